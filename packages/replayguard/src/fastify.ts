// The fastify entry point, `@backchannel/replayguard/fastify`, kept apart so that the main
// entry never needs fastify's types.
export { type ReplayguardFastifyOptions, replayguardFastify } from './adapters/fastify.js';
