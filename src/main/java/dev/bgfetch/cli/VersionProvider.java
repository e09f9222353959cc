package dev.bgfetch.cli;

import picocli.CommandLine.IVersionProvider;

/** The version comes from the jar manifest, so it is written once, in pom.xml. */
public final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = BgfetchCommand.class.getPackage().getImplementationVersion();
        return new String[] {"bgfetch " + (v == null ? "dev" : v)};
    }
}
