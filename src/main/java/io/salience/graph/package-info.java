/**
 * Vocabulary shared by the engine, the attribution methods and the API: a model's explainable layers, the rectifier
 * rules of the backward pass, and the error for a method that does not apply to a model.
 */
package io.salience.graph;
