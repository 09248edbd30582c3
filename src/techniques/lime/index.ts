export * from './lime.js';
