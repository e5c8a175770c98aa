package dev.millwright.inbound.opcua;

import dev.millwright.config.Tls;
import org.eclipse.milo.opcua.stack.core.security.CertificateValidator;
import org.eclipse.milo.opcua.stack.core.security.DefaultClientCertificateValidator;
import org.eclipse.milo.opcua.stack.core.security.MemoryCertificateQuarantine;
import org.eclipse.milo.opcua.stack.core.security.MemoryTrustListManager;
import org.eclipse.milo.opcua.stack.core.util.CertificateUtil;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Collections;

/** The hub's OPC UA application certificate and key, and a validator that trusts only the servers in the trust store. */
record OpcKeys(KeyPair keyPair, X509Certificate[] chain, String applicationUri, CertificateValidator validator) {
    static OpcKeys load(Tls stores) {
        try {
            KeyStore keys = read(stores.keyStore(), stores.type(), stores.keyStorePassword());
            char[] password = stores.keyStorePassword() == null ? null : stores.keyStorePassword().value().toCharArray();
            for (String alias : Collections.list(keys.aliases())) {
                Key key = keys.getKey(alias, password);
                if (!(key instanceof PrivateKey privateKey)) continue;
                Certificate[] certs = keys.getCertificateChain(alias);
                X509Certificate[] chain = new X509Certificate[certs.length];
                for (int i = 0; i < certs.length; i++) chain[i] = (X509Certificate) certs[i];
                MemoryTrustListManager trust = new MemoryTrustListManager();
                KeyStore trusted = read(stores.trustStore(), stores.type(), stores.trustStorePassword());
                for (String t : Collections.list(trusted.aliases())) {
                    if (trusted.getCertificate(t) instanceof X509Certificate c) trust.addTrustedCertificate(c);
                }
                String uri = CertificateUtil.getSanUri(chain[0]).orElse("urn:millwright:hub");
                return new OpcKeys(new KeyPair(chain[0].getPublicKey(), privateKey), chain, uri,
                        new DefaultClientCertificateValidator(trust, new MemoryCertificateQuarantine()));
            }
            throw new IllegalStateException("key store " + stores.keyStore() + " holds no private key");
        } catch (java.security.GeneralSecurityException | java.io.IOException e) {
            // the message names the store or says the password is wrong; never the password
            throw new IllegalStateException("OPC UA key or trust store cannot be used: " + e.getMessage());
        }
    }

    private static KeyStore read(Path path, String type, dev.millwright.config.spec.Secret password)
            throws java.security.GeneralSecurityException, java.io.IOException {
        KeyStore ks = KeyStore.getInstance(type);
        try (InputStream in = Files.newInputStream(path)) {
            ks.load(in, password == null ? null : password.value().toCharArray());
        }
        return ks;
    }
}
