package dev.millwright.flow;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A flow note wakes the workers of other nodes on the same schema; the node that wrote it woke its own directly. */
class FlowWakeTest {
    @Test
    void aNodeSkipsItsOwnNotesAndThoseOfOtherSchemas() {
        assertThat(FlowWake.fromOtherNode("plant_a|node-2", "plant_a", "node-1")).isTrue();
        assertThat(FlowWake.fromOtherNode("plant_a|node-1", "plant_a", "node-1")).isFalse();
        assertThat(FlowWake.fromOtherNode("plant_b|node-2", "plant_a", "node-1")).isFalse();
        assertThat(FlowWake.fromOtherNode("plant_ab|node-2", "plant_a", "node-1")).isFalse();
        assertThat(FlowWake.fromOtherNode("plant_a", "plant_a", "node-1")).isFalse();
    }
}
