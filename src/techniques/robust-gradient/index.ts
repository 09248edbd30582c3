export * from './estimators.js';
