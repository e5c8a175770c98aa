package dev.millwright.security;

import dev.millwright.config.Tls;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;

/** A system's TLS stores loaded for clients that take JSSE factories (the MQTT client). */
public final class TlsStores {
    private TlsStores() {
    }

    /** @return null: the JVM's trusted CAs */
    public static TrustManagerFactory trust(Tls tls) {
        if (tls.trustStore() == null) return null;
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(load(tls.trustStore(), tls.type(), password(tls.trustStorePassword())));
            return tmf;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("trust store " + tls.trustStore() + " cannot be used: " + e.getMessage());
        }
    }

    /** @return null: no client certificate */
    public static KeyManagerFactory keys(Tls tls) {
        if (tls.keyStore() == null) return null;
        try {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            char[] password = password(tls.keyStorePassword());
            kmf.init(load(tls.keyStore(), tls.type(), password), password);
            return kmf;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("key store " + tls.keyStore() + " cannot be used: " + e.getMessage());
        }
    }

    private static char[] password(dev.millwright.config.spec.Secret s) {
        return s == null ? null : s.value().toCharArray();
    }

    private static KeyStore load(Path path, String type, char[] password) throws GeneralSecurityException {
        try (InputStream in = Files.newInputStream(path)) {
            KeyStore ks = KeyStore.getInstance(type);
            ks.load(in, password);
            return ks;
        } catch (IOException e) {
            // the message names the file or says the password is wrong; it never holds the password
            throw new GeneralSecurityException(e.getMessage());
        }
    }
}
