// Chooses the firewall backend the configuration names ([firewall] backend), or the dry run.
import type { Config } from '../config/types.js';
import type { FirewallBackend } from './backend.js';
import { createIptablesBackend } from './iptables.js';
import { createNftablesBackend } from './nftables.js';
import { createNullBackend } from './null-backend.js';

export interface FirewallChoice {
  /** --dry-run: the null backend whatever the config says. */
  readonly dryRun: boolean;
  /** Where the null backend says what it would do. */
  readonly say: (message: string, fields: Record<string, string | number>) => void;
}

export function createFirewall(config: Config, choice: FirewallChoice): FirewallBackend {
  if (choice.dryRun || config.firewall.backend === 'null') return createNullBackend(choice.say);
  if (config.firewall.backend === 'iptables') return createIptablesBackend({ names: config.nftables });
  return createNftablesBackend({ names: config.nftables });
}
