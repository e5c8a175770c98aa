package dev.millwright.routing;

import dev.millwright.event.CloudEvent;

import java.sql.Connection;
import java.sql.SQLException;

/** What else routed events reach, besides subscriptions, in the routing transaction: process flows. */
public interface RoutedEvents {
    RoutedEvents NONE = (c, event, seq, wakes) -> { };

    void take(Connection c, CloudEvent event, long seq, Outbox.Wakes wakes) throws SQLException;
}
