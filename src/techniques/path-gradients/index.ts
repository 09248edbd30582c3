export * from './coupling.js';
