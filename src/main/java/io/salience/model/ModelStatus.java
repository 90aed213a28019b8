package io.salience.model;

/** Lifecycle of a configured model. */
public enum ModelStatus {
    LOADING,
    READY,
    FAILED
}
