export * from './sam.js';
