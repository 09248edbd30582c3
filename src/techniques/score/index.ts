export * from './mixture.js';
export * from './langevin.js';
export * from './dsm.js';
export * from './ddpm.js';
export * from './time-dsm.js';
