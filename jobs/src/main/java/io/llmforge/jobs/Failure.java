package io.llmforge.jobs;

import java.util.Set;

/**
 * A failure as the one line a person reads: past the wrappers (Spark's "Job aborted due to stage failure", executor
 * and future wrappers) to the exception that says what went wrong, its message and its cause's; where in llmforge it
 * was thrown when there is no message (a bug).
 */
final class Failure {
  private static final Set<String> WRAPPERS = Set.of("org.apache.spark.SparkException",
      "java.util.concurrent.ExecutionException", "java.util.concurrent.CompletionException",
      "java.lang.reflect.InvocationTargetException", "picocli.CommandLine$ExecutionException");

  private Failure() {}

  static String oneLine(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t && WRAPPERS.contains(t.getClass().getName())) {
      t = t.getCause();
    }
    String message = firstLine(t);
    Throwable cause = t.getCause();
    if (!message.isEmpty() && cause != null && cause != t && !firstLine(cause).isEmpty()
        && !message.contains(firstLine(cause))) {
      message += ": " + firstLine(cause);
    }
    if (!message.isEmpty() && !(t instanceof NullPointerException) && !(t instanceof IndexOutOfBoundsException)) {
      return message;
    }
    String name = t.getClass().getSimpleName();
    for (StackTraceElement frame : t.getStackTrace()) {
      if (frame.getClassName().startsWith("io.llmforge.")) {
        String cls = frame.getClassName().substring(frame.getClassName().lastIndexOf('.') + 1);
        return name + (message.isEmpty() ? "" : " (" + message + ")") + " at " + cls + "." + frame.getMethodName()
            + ":" + frame.getLineNumber() + ": a bug; please report it with the log file";
      }
    }
    return name + (message.isEmpty() ? "" : ": " + message);
  }

  private static String firstLine(Throwable t) {
    return t.getMessage() == null ? "" : t.getMessage().lines().findFirst().orElse("").strip();
  }
}
