export * from './second-order.js';
