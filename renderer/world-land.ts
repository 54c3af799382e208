// The land of the world as one SVG path (equirectangular, x = longitude + 180, y = 90 - latitude, in a
// 360 x 180 frame). Empty here: scripts/build-renderer.mjs puts the outline made from world-atlas
// (Natural Earth 1:110m) in its place when it bundles the window.
export const WORLD_LAND_PATH = '';
