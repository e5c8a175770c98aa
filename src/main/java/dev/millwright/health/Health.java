package dev.millwright.health;

/**
 * What a connectivity check of a system found, inbound or outbound: reachable or not, where it looked, how long it
 * took, which credentials it used, and exactly what failed. Its own package so connectors of every kind report it
 * without depending on each other.
 */
public record Health(String system, boolean ok, String where, Integer status, long millis, String auth, String problem) {
}
