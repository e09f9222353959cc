package dev.bgfetch.http;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.apache.hc.client5.http.ClientProtocolException;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.apache.hc.core5.http.MalformedChunkCodingException;
import org.apache.hc.core5.http.MessageConstraintException;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.apache.hc.core5.http.ProtocolException;
import org.apache.hc.core5.http.TruncatedChunkException;

/**
 * What went wrong in an exchange with a server, as the outcome the user reads: network trouble that
 * waits and is retried, or a fetch-error that a retry would only repeat (SPEC §4.9).
 */
final class Failures {
    /** Silent answers in a row from one server (fresh connection each) before it is a fetch-error. */
    static final int SILENT_LIMIT = 3;

    private Failures() {
    }

    /**
     * Network trouble waits (SPEC §4.9); a server that answers, but not in HTTP or not in TLS, is a
     * fetch-error at once, as a retry would get the same answer. A server that accepts and then says
     * nothing is ambiguous (a reset looks the same): it waits, until it did so
     * {@value #SILENT_LIMIT} times in a row on fresh connections (an https port asked with http://).
     *
     * @param hopUrl the URL of the hop in flight, null before the first request
     * @param answered whether that hop's server had answered
     */
    static Outcome classify(Exception e, URI hopUrl, boolean answered, HttpEngine engine) {
        String host = hopUrl == null ? "the server" : hostOf(hopUrl);
        if (e instanceof SSLException) {
            return tls((SSLException) e, host, hopUrl, answered, engine);
        }
        ProtocolException protocol = find(e, ProtocolException.class);
        if (protocol != null || e instanceof ClientProtocolException) {
            return Outcome.of(Outcome.Kind.FETCH_ERROR, host + " sent a broken HTTP answer: "
                    + (protocol != null ? protocol : e).getMessage());
        }
        if (e instanceof MessageConstraintException) {
            return Outcome.of(Outcome.Kind.FETCH_ERROR, host + " sent a broken HTTP answer: " + e.getMessage());
        }
        if (e instanceof MalformedChunkCodingException && !(e instanceof TruncatedChunkException)
                && !String.valueOf(e.getMessage()).startsWith("CRLF expected")) {
            // A truncated chunk or a missing CRLF at the end is where a cut connection stops; anything
            // else in the chunk framing is the server's own mistake.
            return Outcome.of(Outcome.Kind.FETCH_ERROR, host + " sent a broken chunked body: " + e.getMessage());
        }
        if (e instanceof NoHttpResponseException) {
            return silent(host + " closed the connection without answering", hopUrl, engine);
        }
        if (e instanceof RuntimeException && !(e.getCause() instanceof IOException)) {
            return Outcome.of(Outcome.Kind.FETCH_ERROR, "internal error: " + e);
        }
        return Outcome.of(Outcome.Kind.NETWORK, describe(e));
    }

    private static Outcome silent(String what, URI hopUrl, HttpEngine engine) {
        int times = engine.silentAnswer(origin(hopUrl));
        if (times >= SILENT_LIMIT) {
            return Outcome.of(Outcome.Kind.FETCH_ERROR, what + ", " + times + " times in a row"
                    + (hopUrl.getScheme().equals("http") ? " (is it an https port?)" : " (is it an http port?)"));
        }
        return Outcome.of(Outcome.Kind.NETWORK, what);
    }

    /** TLS trouble in words (SPEC §4.9: a fetch-error); a connection lost after the handshake is network trouble. */
    private static Outcome tls(SSLException e, String host, URI hopUrl, boolean answered, HttpEngine engine) {
        if (e instanceof HttpEngine.HandshakeTimeout) {
            return silent("TLS handshake with " + host + " timed out", hopUrl, engine);
        }
        if (answered && (find(e, SocketException.class) != null || find(e, EOFException.class) != null)) {
            return Outcome.of(Outcome.Kind.NETWORK, "connection to " + host + " lost: " + oneLine(e.getMessage()));
        }
        if (answered && !(e instanceof SSLHandshakeException)) {
            // The stream broke after the server answered (a record that fails its check, a bad length):
            // what a line corrupts in flight. A fresh connection resumes after the bytes kept, as for a cut.
            return Outcome.of(Outcome.Kind.NETWORK, "connection to " + host + " lost: TLS error (" + tlsReason(e) + ")");
        }
        if (e instanceof SSLHandshakeException && find(e, EOFException.class) != null) {
            return silent("TLS handshake with " + host + " failed: the server closed the connection", hopUrl, engine);
        }
        if (find(e, SSLPeerUnverifiedException.class) != null || hostnameMismatch(e)) {
            return Outcome.of(Outcome.Kind.FETCH_ERROR, "certificate does not match " + host);
        }
        if (find(e, CertPathBuilderException.class) != null || find(e, CertPathValidatorException.class) != null
                || String.valueOf(e.getMessage()).startsWith("PKIX")) {
            return Outcome.of(Outcome.Kind.FETCH_ERROR, "certificate not trusted for " + host + " (trust its CA with --ca-certificate FILE)");
        }
        return Outcome.of(Outcome.Kind.FETCH_ERROR, (answered ? "TLS error with " : "TLS handshake with ") + host
                + " failed: " + tlsReason(e));
    }

    private static boolean hostnameMismatch(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (t instanceof CertificateException && (m.startsWith("No subject alternative") || m.startsWith("No name matching"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The reason of the JDK or of BoringSSL in the same words, without class names, pointers or source
     * lines: "Received fatal alert: handshake_failure" and BoringSSL's "...:SSLV3_ALERT_HANDSHAKE_FAILURE
     * (../ssl/tls_record.cc:594 0x7f...)" are both "the server refused (handshake_failure)".
     */
    static String tlsReason(SSLException e) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("Unsupported or unrecognized SSL message") || m.contains("Unable to parse TLS packet header")
                || m.contains(":WRONG_VERSION_NUMBER")) {
            return "the server does not speak TLS (is it an http port?)";
        }
        if (m.startsWith("Received fatal alert: ")) {
            return "the server refused (" + m.substring("Received fatal alert: ".length()) + ")";
        }
        Matcher boring = BORINGSSL_REASON.matcher(m);
        if (boring.find()) {
            String reason = boring.group(1).toLowerCase(Locale.ROOT);
            Matcher alert = BORINGSSL_ALERT.matcher(reason);
            return alert.matches() ? "the server refused (" + alert.group(1) + ")" : reason.replace('_', ' ');
        }
        return oneLine(m).replaceAll("(?:[a-z]\\w*\\.)+[A-Z]\\w*(?:Exception|Error): ", "");
    }

    /** BoringSSL's error line: "error:10000410:SSL routines:OPENSSL_internal:SSLV3_ALERT_HANDSHAKE_FAILURE". */
    private static final Pattern BORINGSSL_REASON =
            Pattern.compile("error:[0-9A-Fa-f]+:[^:\\n]*:[^:\\n]*:([A-Z0-9_]+)");
    private static final Pattern BORINGSSL_ALERT = Pattern.compile("(?:sslv3|tlsv1\\d?)_alert_(.+)");

    /** The first line of a TLS library's message, without BoringSSL's "Read error: ssl=0x7f...: " prefix. */
    static String oneLine(String message) {
        String m = String.valueOf(message);
        int nl = m.indexOf('\n');
        if (nl >= 0) {
            m = m.substring(0, nl);
        }
        return m.replaceFirst("^(?:(?:Read|Write) error: )?ssl=0x[0-9a-fA-F]+: ", "");
    }

    private static <T extends Throwable> T find(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    /** The key the engine counts a server's silent answers under, and forgets them under when it answers. */
    static String origin(URI u) {
        return u.getScheme() + "://" + u.getRawAuthority();
    }

    private static String hostOf(URI u) {
        String a = u.getRawAuthority();
        return a.startsWith("[") ? a.substring(0, a.indexOf(']') + 1) : a.contains(":") ? a.substring(0, a.indexOf(':')) : a;
    }

    static String describe(Exception e) {
        if (e instanceof UnknownHostException) {
            return "cannot resolve host " + e.getMessage();
        }
        if (e instanceof ConnectException) {
            return "connection refused: " + e.getMessage();
        }
        if (e instanceof NoRouteToHostException) {
            return "host unreachable: " + e.getMessage();
        }
        if (e instanceof ConnectTimeoutException) {
            return "connect timed out: " + e.getMessage();
        }
        if (e instanceof SocketTimeoutException) {
            return "stalled: no data for the stall timeout";
        }
        if (e instanceof ConnectionClosedException) {
            return "connection closed early: " + e.getMessage();
        }
        if (e instanceof SocketException) {
            return "connection lost: " + e.getMessage();
        }
        if (e instanceof java.nio.channels.ClosedChannelException) {
            return "connection lost: the connection was closed"; // a plain-http socket is a channel
        }
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
