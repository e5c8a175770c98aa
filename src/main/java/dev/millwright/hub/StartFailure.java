package dev.millwright.hub;

import dev.millwright.config.HubSettings;
import dev.millwright.store.SettingsStore;

import java.net.BindException;

/** A hub that could not start, with one line saying why and what to do; everything it had started is stopped. */
public final class StartFailure extends RuntimeException {
    private StartFailure(String message, Throwable cause) {
        super(message, cause);
    }

    static StartFailure of(RuntimeException e, HubSettings.Http http) {
        if (e instanceof StartFailure f) return f;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException || (t.getMessage() != null && t.getMessage().contains("Port already in use"))) {
                return new StartFailure("port " + http.port() + " on " + http.host() + " is in use by another process: stop it, "
                        + "or choose another port (http.port in millwright.yaml, or --port)", e);
            }
            if (t instanceof SettingsStore.LanesMismatch m) return new StartFailure(m.getMessage(), e);
            if (t.getCause() == t) break;
        }
        String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new StartFailure(why, e);
    }
}
