/**
 * The primitives: each a record of its rules made by `definePrimitive`.
 *
 * @packageDocumentation
 */
export * from './elementwise.js';
export * from './structural.js';
export * from './creation.js';
export * from './indexing.js';
export * from './dot.js';
export * from './conv.js';
export * from './reductions.js';
export * from './shape.js';
export * from './linalg.js';
