package io.llmforge.jobs;

import picocli.CommandLine.Command;

/** {@code llmforge bench <what>}: speed and quality measurements that print a table and write JSON. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks: print a table and write JSON under --out.",
    subcommands = {ExtractBenchCommand.class, DedupBenchCommand.class, ClassifyBenchCommand.class,
        TokenizerBenchCommand.class, PretrainBenchCommand.class, GenerateBenchCommand.class,
        EmbeddingBenchCommand.class, SftBenchCommand.class, RmBenchCommand.class, DpoBenchCommand.class,
        KtoBenchCommand.class, GrpoBenchCommand.class, BestOfNBenchCommand.class, ServeBenchCommand.class})
final class BenchCommand {}
