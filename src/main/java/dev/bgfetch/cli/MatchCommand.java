package dev.bgfetch.cli;

import dev.bgfetch.http.UrlRules;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Rec;
import dev.bgfetch.state.Views;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "match", description = {"The records of a fetch (request, response, file), all or those matching URL.",
        "The URL's fragment is ignored; --ignore-search also ignores the query."})
public final class MatchCommand implements Callable<Integer> {
    @Mixin
    CommandContext ctx;

    @Parameters(index = "0", paramLabel = "ID")
    String id;

    @Parameters(index = "1", paramLabel = "URL", arity = "0..1")
    String url;

    @Option(names = "--ignore-search", description = "Ignore the query string when matching.")
    boolean ignoreSearch;

    @Option(names = "--body", description = "Write the first matching record's file to stdout.")
    boolean body;

    /** Where --body writes bytes: picocli's writers carry characters. System.out unless a test swaps it. */
    static PrintStream bodyOut = System.out;

    @Override
    public Integer call() throws IOException {
        Fetch f = ctx.find(id);
        List<Rec> recs = f.records.stream().filter(r -> url == null || same(r.request.url, url))
                .collect(Collectors.toList());
        if (recs.isEmpty()) {
            throw new CliException(ExitCodes.NOT_FOUND, "no record of '" + id + "' matches " + url);
        }
        if (body) {
            Rec r = recs.get(0);
            if (r.path == null || !Files.isRegularFile(Path.of(r.path))) {
                throw new CliException(ExitCodes.INVALID_STATE, "record #" + r.index + " of '" + id
                        + "' has no delivered file (" + (r.result.isEmpty() ? "running" : r.result) + ")");
            }
            OutputStream out = bodyOut;
            Files.copy(Path.of(r.path), out);
            out.flush();
            return ExitCodes.OK;
        }
        if (ctx.globals().json()) {
            ctx.printJson(Views.records(ctx.store().mapper(), recs));
        } else {
            for (Rec r : recs) {
                ctx.out().printf("%d\t%s\t%s\t%s\t%s%n", r.index, r.result.isEmpty() ? "running" : r.result,
                        r.response == null ? "-" : r.response.status, r.path == null ? "-" : r.path, r.request.url);
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
}
