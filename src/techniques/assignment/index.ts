export * from './hungarian.js';
export * from './immiscible.js';
export * from './ks.js';
export * from './train.js';
