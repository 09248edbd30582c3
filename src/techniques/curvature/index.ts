export * from './hvp.js';
export * from './operator.js';
export * from './spectrum.js';
