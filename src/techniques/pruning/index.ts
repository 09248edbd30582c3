export * from './magnitude.js';
