package dev.bgfetch.cli;

import dev.bgfetch.state.RecordResult;
import dev.bgfetch.http.UrlRules;
import dev.bgfetch.progress.Escapes;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.IoReason;
import dev.bgfetch.state.Rec;
import dev.bgfetch.state.Views;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Model.CommandSpec;

public final class MatchCommand implements Callable<Integer>, Fields {
    final CommandContext ctx = new CommandContext();
    String id;
    String url;
    boolean ignoreSearch;
    boolean body;

    /** This command's picocli model (see {@link CommandModel}). */
    CommandSpec model() {
        CommandModel m = CommandModel.of(this, ctx, "match",
                "The records of a fetch (request, response, file), all or those matching URL. "
                + "The URL's fragment is ignored; --ignore-search also ignores the query.");
        m.parameter("id", "ID").index("0");
        m.parameter("url", "URL").index("1").arity("0..1");
        m.option("ignoreSearch", "--ignore-search").description("Ignore the query string when matching.");
        m.option("body", "--body").description("Write the first matching record's file to stdout.");
        return m.build();
    }

    @Override
    public Integer call() throws IOException {
        IdArguments.checked(id);
        if (body && ctx.globals().json()) {
            // one writes the file's bytes, the other one JSON document: the file silently won
            throw new CliException(ExitCodes.USAGE, "--body writes the file itself; it cannot be combined with --json");
        }
        if (url != null) {
            try {
                UrlRules.check(url); // a URL no record can have is invalid input (SPEC §3), not "no match"
            } catch (UrlRules.BadUrlException e) {
                throw new CliException(ExitCodes.USAGE, Escapes.terminal(e.getMessage()));
            }
        }
        Fetch f = ctx.find(id);
        List<Rec> recs = f.records.stream().filter(r -> url == null || same(r.request.url, url))
                .collect(Collectors.toList());
        if (recs.isEmpty()) {
            throw new CliException(ExitCodes.NOT_FOUND, "no record of '" + Escapes.terminal(id) + "' matches "
                    + Escapes.terminal(url));
        }
        if (body) {
            Rec r = recs.get(0);
            if (r.path == null || !Files.isRegularFile(Path.of(r.path), LinkOption.NOFOLLOW_LINKS)) {
                // A link put where the file was delivered is never followed: it could point anywhere.
                boolean link = r.path != null && Files.isSymbolicLink(Path.of(r.path));
                throw new CliException(ExitCodes.INVALID_STATE, "record #" + r.index + " of '" + Escapes.terminal(id)
                        + "' has no delivered file (" + (link ? Escapes.terminal(r.path) + " is now a symbolic link"
                        : r.result == RecordResult.NONE ? "running" : r.result) + ")");
            }
            try (InputStream in = Files.newInputStream(Path.of(r.path), LinkOption.NOFOLLOW_LINKS)) {
                // A failed write is the stdout check's to report (Stdout); a failed read is this command's.
                byte[] buf = new byte[64 * 1024];
                PrintStream out = Stdout.bytes;
                for (int n; (n = in.read(buf)) > 0 && !out.checkError(); ) {
                    out.write(buf, 0, n);
                }
            } catch (IOException e) {
                throw new CliException(ExitCodes.FAILURE, "cannot read " + Escapes.terminal(r.path) + ": " + IoReason.of(e));
            }
            return ExitCodes.OK;
        }
        if (ctx.globals().json()) {
            ctx.printJson(Views.records(recs));
        } else {
            for (Rec r : recs) {
                // Paths and URLs may hold anything a server or user put there: escaped (SPEC §2).
                ctx.out().printf("%d\t%s\t%s\t%s\t%s%n", r.index, r.result == RecordResult.NONE ? "running" : r.result,
                        r.response == null ? "-" : r.response.status, r.path == null ? "-" : Escapes.terminal(r.path),
                        Escapes.terminal(r.request.url));
            }
        }
        return ExitCodes.OK;
    }

    private boolean same(String recorded, String asked) {
        return normalize(recorded).equals(normalize(asked));
    }

    /** The same rules as registration (UrlRules), so a URL matches however it is typed; fragments never count. */
    private String normalize(String u) {
        String s;
        try {
            s = UrlRules.check(u).toString();
        } catch (UrlRules.BadUrlException e) {
            s = u.strip();
            int hash = s.indexOf('#');
            s = hash < 0 ? s : s.substring(0, hash);
        }
        int q = s.indexOf('?');
        return ignoreSearch && q >= 0 ? s.substring(0, q) : s;
    }

    @Override
    public Object get(String field) {
        return switch (field) {
            case "id" -> id;
            case "url" -> url;
            case "ignoreSearch" -> ignoreSearch;
            case "body" -> body;
            default -> throw Fields.unknown(this, field);
        };
    }

    @Override
    public void set(String field, Object value) {
        switch (field) {
            case "id" -> id = (String) value;
            case "url" -> url = (String) value;
            case "ignoreSearch" -> ignoreSearch = (Boolean) value;
            case "body" -> body = (Boolean) value;
            default -> throw Fields.unknown(this, field);
        }
    }
}
