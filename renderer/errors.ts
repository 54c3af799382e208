// What a failed operation means, in a sentence a person can act on: the table lives with the bridge
// contract (electron/bridge.ts), so the tray's notices and the window say the same thing.
export { describeError } from '../electron/bridge.js';
