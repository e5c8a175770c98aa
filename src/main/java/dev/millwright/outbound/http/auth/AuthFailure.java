package dev.millwright.outbound.http.auth;

/** Credentials could not be obtained; the message says from where and why, without secrets. */
public final class AuthFailure extends RuntimeException {
    public AuthFailure(String message) {
        super(message, null, false, false);
    }
}
