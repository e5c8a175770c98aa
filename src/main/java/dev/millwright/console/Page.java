package dev.millwright.console;

/**
 * The frame of every console page.
 *
 * @param section   the navigation entry to mark
 * @param actor     who is signed in, as the audit trail names them
 * @param operate   whether to draw retry, replay, edit, signal and cancel controls
 * @param integrate whether to draw cross-reference controls
 * @param hub       whether the principal covers every plant (the audit trail, silences)
 * @param notice    what the last form post did
 */
public record Page(String section, String title, String actor, String roles, String plants, boolean operate, boolean integrate, boolean hub,
                   String notice) {
}
