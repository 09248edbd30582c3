export * from './attribution.js';
export * from './noise-tunnel.js';
