/**
 * @backchannel/logging/config — Python's `logging.config`.
 *
 *     import { dictConfig } from '@backchannel/logging/config';
 *     dictConfig({ version: 1, handlers: { console: { class: 'logging.StreamHandler' } },
 *                  root: { level: 'INFO', handlers: ['console'] } });
 */
export type { DictConfig, DictConfigOptions } from './config/dict-config.js';
export { dictConfig } from './config/dict-config.js';
export { configFromEnv, fileConfig } from './config/load.js';
export { registerConfigName, resolveName } from './config/names.js';
