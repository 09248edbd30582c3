export * from './certificate.js';
export * from './smoothed.js';
export * from './attack.js';
export * from './model.js';
export * from './control.js';
