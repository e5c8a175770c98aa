package dev.millwright.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The millwright command line. */
@Command(name = "millwright", mixinStandardHelpOptions = true, version = "millwright 0.1.0",
        description = "Manufacturing integration hub.",
        subcommands = {RunCommand.class, DemoCommand.class, ValidateCommand.class, BenchCommand.class,
                DocsCommand.class, SystemsCommand.class, TestCommand.class, SimulateCommand.class, AuditCommand.class, TokenCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        int code = new CommandLine(new Main()).execute(args);
        if (code != 0 || !isServer(args)) System.exit(code);
    }

    private static boolean isServer(String[] args) {
        return args.length > 0 && (args[0].equals("run") || args[0].equals("demo") || args[0].equals("simulate"));
    }
}
