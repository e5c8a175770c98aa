package dev.millwright.contracts;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Translates an event's data from one version of its entity to the next (e.g. TestResult v1 → v2). */
public interface Upcaster {
    /** The entity version read, e.g. "TestResult/v1". */
    String from();

    /** The entity version produced, e.g. "TestResult/v2". */
    String to();

    /** Returns the data in the newer shape; must not change the argument. */
    ObjectNode upcast(ObjectNode data);
}
