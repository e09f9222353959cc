package dev.bgfetch.cli;

import dev.bgfetch.http.Netrc;
import dev.bgfetch.progress.Escapes;
import dev.bgfetch.progress.Format;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.IoReason;
import dev.bgfetch.state.Views;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

public final class FetchCommand implements Callable<Integer>, Fields {
    final CommandContext ctx = new CommandContext();
    String id;
    List<String> urls = new ArrayList<>();
    String title = "";
    List<String> icons = new ArrayList<>();
    String downloadTotal = "0";
    Path dir;
    String inputFile;
    List<String> headers = new ArrayList<>();
    String checksum;
    String user;
    Path netrcFile;
    Path caCertificate;
    boolean contentDisposition;
    String onSuccess;
    String onFail;
    String onAbort;
    Integer maxConnections;
    Integer maxPerHost;
    Integer split;
    String minSplitSize;
    String proxy;
    boolean noProxy;
    String limitRate;
    boolean waitForResult;

    /** This command's picocli model (see {@link CommandModel}). */
    CommandSpec model() {
        CommandModel m = CommandModel.of(this, ctx, "fetch",
                "Register a background fetch and return at once; the worker downloads it. "
                + "Prints the id on stdout (or the registration with --json).");
        m.parameter("id", "ID").index("0").description("A name for the fetch, unique among active fetches.");
        m.parameter("urls", "URL").index("1..*").arity("0..*").description("http or https URLs to download.");
        m.option("title", "-t", "--title").paramLabel("TITLE").description("A title shown in list, get and watch.");
        m.option("icons", "--icon").paramLabel("SRC[,sizes=WxH][,type=MIME]")
                .description("An icon of the fetch (metadata only; repeatable).");
        m.option("downloadTotal", "--download-total").paramLabel("SIZE")
                .description("Expected total in bytes (K/M/G, Ki/Mi/Gi suffixes; 0 = unknown). A hard cap.");
        m.option("dir", "-d", "--dir").paramLabel("DIR")
                .description("Where files go (default: the current directory).").converters(new PathOption.ToPath());
        m.option("inputFile", "-i", "--input-file").paramLabel("FILE|-")
                .description("Read URLs from FILE (or stdin): one a line, # comments, aria2-style option lines"
                        + " (out=NAME, checksum=ALGO=HEX, header=Name: value).")
                .converters(new PathOption.ToFileOrDash());
        m.option("headers", "-H", "--header").paramLabel("'Name: value'")
                .description("A request header for every URL (repeatable).");
        m.option("checksum", "--checksum").paramLabel("ALGO=HEX")
                .description("Expected digest of the single URL's body: sha-256=, sha-512=, or the weak sha-1= / md5=.");
        m.option("user", "-u", "--user").paramLabel("USER[:PASSWORD]")
                .description("HTTP Basic credentials for the URLs' own hosts (never sent after a redirect to another"
                        + " origin; stored privately, shown masked). Without :PASSWORD it is asked for.");
        m.option("netrcFile", "--netrc-file").paramLabel("FILE")
                .description("Take logins from FILE instead of ~/.netrc (used when there is no -u; it must be"
                        + " private, mode 600).")
                .converters(new PathOption.ToPath());
        m.option("caCertificate", "--ca-certificate").paramLabel("FILE")
                .description("Also trust the CA certificates of this PEM file for this fetch (like curl --cacert,"
                        + " but added to the default trust, as wget does); its text is kept with the fetch.")
                .converters(new PathOption.ToPath());
        m.option("contentDisposition", "--content-disposition")
                .description("Name files from the Content-Disposition header when present.");
        m.option("onSuccess", "--on-success").paramLabel("CMD")
                .description("Run CMD (/bin/sh -c, in DIR) when the fetch succeeds.");
        m.option("onFail", "--on-fail").paramLabel("CMD").description("Run CMD when the fetch fails (not by abort).");
        m.option("onAbort", "--on-abort").paramLabel("CMD").description("Run CMD when the fetch is aborted.");
        m.option("maxConnections", "--max-connections").paramLabel("N")
                .description("At most N transfers of this fetch at once (default 16).");
        m.option("maxPerHost", "--max-per-host").paramLabel("N")
                .description("At most N transfers of this fetch per host (default 6).");
        m.option("split", "-s", "--split").paramLabel("N")
                .description("A large file whose server serves ranges uses up to N connections at once, within the"
                        + " per-host and total limits (aria2 -s; default 16, the split setting; 1 = one connection):"
                        + " one per core first, the rest only while each is slow.");
        m.option("minSplitSize", "-k", "--min-split-size").paramLabel("SIZE")
                .description("Split only into segments of at least SIZE (aria2 -k; default 4Mi, the min-split-size"
                        + " setting).");
        m.option("proxy", "--proxy").paramLabel("URL")
                .description("Use this http proxy for http and https URLs (https through CONNECT); credentials may"
                        + " be in it (http://user:pass@host:port). Default: http_proxy / https_proxy / no_proxy.");
        m.option("noProxy", "--no-proxy").description("Connect directly, whatever the proxy variables say.");
        m.option("limitRate", "--limit-rate").paramLabel("SIZE")
                .description("At most SIZE bytes per second for this fetch, over all its connections (curl syntax:"
                        + " 500K, 10M, 1.5M; K/M/G are 1024-based as in curl).");
        m.option("waitForResult", "-w", "--wait")
                .description("Then wait like 'bgfetch wait': progress, exit code from the result.");
        CommandSpec spec = m.build();
        spec.usageMessage().sortOptions(false);
        return spec;
    }

    private dev.bgfetch.worker.Setting.Values settings;

    @Override
    public Integer call() throws IOException {
        ctx.prepareWorker(); // while the registration is checked and written
        Registration reg = Registration.forId(id).headers(headers).urls(urls);
        if (inputFile != null) {
            reg.inputFile(inputFile, System.in);
        }
        if (user != null) {
            reg.user(user, System.console()); // asked only then: JDK 22+ looks a console provider up, ~4 ms
        }
        if (!reg.hasUser()) {
            reg.netrc(netrc());
        }
        Fetch f = reg.checksum(checksum).build();
        f.title = title;
        for (String icon : icons) {
            f.icons.add(Registration.icon(icon));
        }
        f.downloadTotal = Registration.size(downloadTotal, "--download-total");
        if (maxConnections != null && maxConnections < 1 || maxPerHost != null && maxPerHost < 1) {
            throw Registration.usage("--max-connections and --max-per-host must be at least 1");
        }
        if (split != null && split < 1) {
            throw Registration.usage("--split must be at least 1");
        }
        if (minSplitSize != null) {
            long k = Registration.size(minSplitSize, "--min-split-size");
            if (k < 1024) {
                throw Registration.usage("--min-split-size must be at least 1Ki");
            }
            f.options.minSplitSize = k;
        }
        if (caCertificate != null) {
            f.options.caCertificate = Registration.caCertificate(caCertificate);
        }
        proxies(f.options, System.getenv());
        settings(System.getenv()); // its warnings, here rather than only in worker.log
        if (limitRate != null) {
            try {
                f.options.limitRate = dev.bgfetch.http.RateLimit.parse(limitRate);
            } catch (IllegalArgumentException e) {
                throw Registration.usage("--limit-rate: " + Escapes.terminal(e.getMessage()));
            }
        }
        f.options.split = split;
        f.options.onSuccess = onSuccess;
        f.options.onFail = onFail;
        f.options.onAbort = onAbort;
        f.options.contentDisposition = contentDisposition;
        f.options.maxConnections = maxConnections;
        f.options.maxPerHost = maxPerHost;
        f.dir = targetDir().toString();
        // Only with a total to compare: finding the file store reads /proc/mounts (~0.6 ms of a fetch).
        if (f.downloadTotal > 0) {
            long free = Files.getFileStore(Path.of(f.dir)).getUsableSpace();
            if (f.downloadTotal > free) {
                throw new CliException(ExitCodes.QUOTA, "--download-total " + Format.bytes(f.downloadTotal)
                        + " is more than the " + Format.bytes(free) + " free in " + Escapes.terminal(f.dir));
            }
        }

        Fetch stored = ctx.registerWithWorker(f);
        if (waitForResult) {
            return new LiveView(ctx, LiveView.Mode.WAIT).follow(List.of(stored.key));
        }
        if (ctx.globals().json()) {
            ctx.printJson(Views.fetch(stored, true));
        } else {
            ctx.out().println(Escapes.terminal(stored.id));
        }
        ctx.out().flush();
        if (ctx.out().checkError()) {
            // the exit code will say stdout failed; a script that retries on it should know the fetch runs
            ctx.err().println("bgfetch: '" + Escapes.terminal(stored.id)
                    + "' is registered and runs all the same (bgfetch get shows it)");
        }
        return ExitCodes.OK;
    }

    /** Fixes the fetch's proxies now: --no-proxy, else --proxy, else the proxy variables of this environment. */
    void proxies(Fetch.Options o, java.util.Map<String, String> env) {
        if (noProxy) {
            if (proxy != null) {
                throw Registration.usage("--proxy and --no-proxy exclude each other");
            }
            return;
        }
        o.httpProxy = proxyUrl(env, "http_proxy", "HTTP_PROXY");
        o.httpsProxy = proxyUrl(env, "https_proxy", "HTTPS_PROXY");
        o.noProxy = proxy != null ? null : dev.bgfetch.http.Proxies.env(env, "no_proxy", "NO_PROXY");
        if (proxy == null && o.httpProxy == null && o.httpsProxy == null) {
            // The variables of the shell win over the setting, as wget's do over nothing but its rc file.
            String configured = settings(env).text(dev.bgfetch.worker.Setting.PROXY);
            if (!configured.isEmpty()) {
                try {
                    o.httpProxy = dev.bgfetch.http.Proxies.check(configured);
                    o.httpsProxy = o.httpProxy;
                } catch (IllegalArgumentException e) {
                    throw Registration.usage("the proxy setting: " + Escapes.terminal(e.getMessage()));
                }
            }
        }
    }

    /** --proxy, else the first set of the two variables, checked; an error names where the bad URL came from. */
    /**
     * The worker's settings as this shell and the config files set them, read once; a value that is
     * not what its setting takes is said here (the worker warns again and uses the default).
     */
    private dev.bgfetch.worker.Setting.Values settings(java.util.Map<String, String> env) {
        if (settings == null) {
            settings = dev.bgfetch.worker.Setting.Values.load(ctx.store().home(), env);
            for (String w : settings.warnings()) {
                ctx.err().println("bgfetch: warning: " + Escapes.terminal(w));
            }
            ctx.err().flush();
        }
        return settings;
    }

    private String proxyUrl(java.util.Map<String, String> env, String lower, String upper) {
        String from = proxy != null ? "--proxy" : env.get(lower) != null && !env.get(lower).isBlank() ? lower : upper;
        String value = proxy != null ? proxy : dev.bgfetch.http.Proxies.env(env, lower, upper);
        try {
            return value == null ? null : dev.bgfetch.http.Proxies.check(value);
        } catch (IllegalArgumentException e) {
            throw Registration.usage(from + ": " + Escapes.terminal(e.getMessage()));
        }
    }

    /** The netrc in use, null when there is none; a file others may read is ignored with a warning, like aria2. */
    private Netrc netrc() {
        Path file = netrcFile;
        if (file == null) {
            String home = System.getenv("HOME");
            file = Path.of(home == null || home.isEmpty() ? System.getProperty("user.home") : home, ".netrc");
        } else if (!Files.exists(file)) {
            throw Registration.usage("--netrc-file " + Escapes.terminal(file.toString()) + ": no such file");
        }
        try {
            return Netrc.read(file.toAbsolutePath());
        } catch (Netrc.Ignored e) {
            ctx.err().println("bgfetch: warning: " + Escapes.terminal(e.getMessage()));
            ctx.err().flush();
            return null;
        }
    }

    /** Linux's PATH_MAX less its terminating NUL: the longest path a system call takes. */
    private static final int PATH_MAX = 4095;

    /** The download directory, created like wget -P / aria2 -d when it does not exist yet. */
    private Path targetDir() {
        Path d = (dir == null ? Path.of("") : dir).toAbsolutePath().normalize();
        String shown = Escapes.terminal(d.toString());
        if (Files.exists(d) && !Files.isDirectory(d)) {
            throw Registration.usage("--dir " + shown + " is not a directory");
        }
        if (d.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length + "/x.part".length() > PATH_MAX) {
            // the directory itself may still fit, but no file in it would: each record would fail alone
            throw Registration.usage("--dir " + shown + " is too long: no file fits in it under the system's path limit of "
                    + (PATH_MAX + 1) + " bytes");
        }
        for (Path p = d.getParent(); p != null; p = p.getParent()) {
            // The JDK reports a file in the way as "exists" or "not a directory" of DIR; name the culprit.
            if (Files.exists(p)) {
                if (!Files.isDirectory(p)) {
                    throw Registration.usage("cannot create --dir " + shown + ": " + Escapes.terminal(p.toString())
                            + " is not a directory");
                }
                break;
            }
        }
        try {
            Files.createDirectories(d);
        } catch (IOException e) {
            throw Registration.usage("cannot create --dir " + shown + ": " + reason(e, d));
        }
        if (!Files.isWritable(d)) {
            throw Registration.usage("--dir " + shown + " is not writable");
        }
        return d;
    }

    /** Why DIR could not be made, naming the parent at fault when it is not DIR itself. */
    private static String reason(IOException e, Path d) {
        String file = e instanceof FileSystemException ? ((FileSystemException) e).getFile() : null;
        if (file == null || Path.of(file).equals(d)) {
            return IoReason.of(e);
        }
        return IoReason.of(e) + " (" + Escapes.terminal(file) + ")";
    }

    @Override
    public Object get(String field) {
        return switch (field) {
            case "id" -> id;
            case "urls" -> urls;
            case "title" -> title;
            case "icons" -> icons;
            case "downloadTotal" -> downloadTotal;
            case "dir" -> dir;
            case "inputFile" -> inputFile;
            case "headers" -> headers;
            case "checksum" -> checksum;
            case "user" -> user;
            case "netrcFile" -> netrcFile;
            case "caCertificate" -> caCertificate;
            case "contentDisposition" -> contentDisposition;
            case "onSuccess" -> onSuccess;
            case "onFail" -> onFail;
            case "onAbort" -> onAbort;
            case "maxConnections" -> maxConnections;
            case "maxPerHost" -> maxPerHost;
            case "split" -> split;
            case "minSplitSize" -> minSplitSize;
            case "proxy" -> proxy;
            case "noProxy" -> noProxy;
            case "limitRate" -> limitRate;
            case "waitForResult" -> waitForResult;
            default -> throw Fields.unknown(this, field);
        };
    }

    @Override
    @SuppressWarnings("unchecked")
    public void set(String field, Object value) {
        switch (field) {
            case "id" -> id = (String) value;
            case "urls" -> urls = (List<String>) value;
            case "title" -> title = (String) value;
            case "icons" -> icons = (List<String>) value;
            case "downloadTotal" -> downloadTotal = (String) value;
            case "dir" -> dir = (Path) value;
            case "inputFile" -> inputFile = (String) value;
            case "headers" -> headers = (List<String>) value;
            case "checksum" -> checksum = (String) value;
            case "user" -> user = (String) value;
            case "netrcFile" -> netrcFile = (Path) value;
            case "caCertificate" -> caCertificate = (Path) value;
            case "contentDisposition" -> contentDisposition = (Boolean) value;
            case "onSuccess" -> onSuccess = (String) value;
            case "onFail" -> onFail = (String) value;
            case "onAbort" -> onAbort = (String) value;
            case "maxConnections" -> maxConnections = (Integer) value;
            case "maxPerHost" -> maxPerHost = (Integer) value;
            case "split" -> split = (Integer) value;
            case "minSplitSize" -> minSplitSize = (String) value;
            case "proxy" -> proxy = (String) value;
            case "noProxy" -> noProxy = (Boolean) value;
            case "limitRate" -> limitRate = (String) value;
            case "waitForResult" -> waitForResult = (Boolean) value;
            default -> throw Fields.unknown(this, field);
        }
    }
}
