export * from './mix.js';
