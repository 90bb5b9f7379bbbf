package io.llmforge.trainer.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Every tensor of a model in one flat buffer, and the gradients of the trainable ones in a second flat buffer, each
 * tensor a view into them (llm.c's layout). Tensors are laid out trainable-and-decayed first, then trainable without
 * decay, then frozen, so that
 * <ul>
 *   <li>{@link #trainableValues()} and {@link #gradients()} are element-for-element aligned flat vectors (what the
 *       optimiser steps and what data parallelism all-reduces, each in one call);</li>
 *   <li>weight decay is one operation on the prefix {@link #decayedValues()};</li>
 *   <li>a frozen tensor has no gradient at all: nothing is computed or stored for it.</li>
 * </ul>
 * Order within each group is the order of {@link Spec}s given, so the layout is a pure function of the model's
 * structure and which tensors train; checkpoints store tensors by name and load into any layout.
 */
public final class Parameters {

  /** One tensor to allocate: its name, shape, and whether it trains and gets weight decay. */
  public record Spec(String name, long[] shape, boolean trainable, boolean decays) {
    public long length() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }
  }

  /** Where a tensor lives: {@code offset} in the value buffer (== its offset in the gradient buffer if trainable). */
  private record Slot(Spec spec, long offset) {}

  private final DataType dataType;
  private final INDArray values;
  private final INDArray gradients;
  private final Map<String, Slot> slots = new LinkedHashMap<>();
  private final Map<String, INDArray> valueViews = new LinkedHashMap<>();
  private final Map<String, INDArray> gradientViews = new LinkedHashMap<>();
  private final long trainableLength;
  private final long decayedLength;

  public Parameters(List<Spec> specs, DataType dataType) {
    this.dataType = dataType;
    List<Spec> ordered = new ArrayList<>();
    specs.stream().filter(s -> s.trainable() && s.decays()).forEach(ordered::add);
    specs.stream().filter(s -> s.trainable() && !s.decays()).forEach(ordered::add);
    specs.stream().filter(s -> !s.trainable()).forEach(ordered::add);
    long offset = 0;
    long trainable = 0;
    long decayed = 0;
    for (Spec s : ordered) {
      if (slots.put(s.name(), new Slot(s, offset)) != null) {
        throw new IllegalArgumentException("parameter " + s.name() + " is declared twice");
      }
      offset += s.length();
      if (s.trainable()) {
        trainable += s.length();
        if (s.decays()) {
          decayed += s.length();
        }
      }
    }
    this.trainableLength = trainable;
    this.decayedLength = decayed;
    this.values = Nd4j.zeros(dataType, Math.max(1, offset));
    this.gradients = Nd4j.zeros(dataType, Math.max(1, trainable));
    for (Slot slot : slots.values()) {
      valueViews.put(slot.spec().name(), view(values, slot.offset(), slot.spec()));
      if (slot.spec().trainable()) {
        gradientViews.put(slot.spec().name(), view(gradients, slot.offset(), slot.spec()));
      }
    }
  }

  private static INDArray view(INDArray flat, long offset, Spec s) {
    // a contiguous slice reshaped in 'c' order stays a view (ParametersTest checks that writes go through)
    return flat.get(NDArrayIndex.interval(offset, offset + s.length())).reshape('c', s.shape());
  }

  public DataType dataType() {
    return dataType;
  }

  /** Tensor names in layout order. */
  public List<String> names() {
    return Collections.unmodifiableList(new ArrayList<>(slots.keySet()));
  }

  public boolean contains(String name) {
    return slots.containsKey(name);
  }

  /** The live value of a tensor (a view: writing it writes the model). */
  public INDArray value(String name) {
    INDArray v = valueViews.get(name);
    if (v == null) {
      throw new IllegalArgumentException("no parameter " + name);
    }
    return v;
  }

  /** The live gradient of a trainable tensor; null for a frozen one. */
  public INDArray gradient(String name) {
    return gradientViews.get(name);
  }

  public boolean trainable(String name) {
    return gradientViews.containsKey(name);
  }

  public boolean decays(String name) {
    return slots.get(name).spec().decays();
  }

  public long[] shape(String name) {
    return slots.get(name).spec().shape().clone();
  }

  /** Every scalar of the model, trainable or not. */
  public long count() {
    return slots.values().stream().mapToLong(s -> s.spec().length()).sum();
  }

  /** Scalars that train (= the gradient buffer's length). */
  public long trainableCount() {
    return trainableLength;
  }

  /** The flat value buffer of the trainable tensors, aligned with {@link #gradients()}. */
  public INDArray trainableValues() {
    return trainableLength == 0 ? values.get(NDArrayIndex.interval(0, 0))
        : values.get(NDArrayIndex.interval(0, trainableLength));
  }

  /** The flat value buffer of the trainable tensors that get weight decay (a prefix of {@link #trainableValues()}). */
  public INDArray decayedValues() {
    return values.get(NDArrayIndex.interval(0, decayedLength));
  }

  public long decayedCount() {
    return decayedLength;
  }

  /** All gradients in one flat vector (length {@link #trainableCount()}). */
  public INDArray gradients() {
    return trainableLength == 0 ? gradients.get(NDArrayIndex.interval(0, 0)) : gradients;
  }

  /** Sets every gradient to 0 (before accumulating a new step's micro-batches). */
  public void zeroGradients() {
    gradients.assign(0);
  }

  /**
   * The view of tensor {@code name} inside a flat buffer aligned with {@link #gradients()} (an optimiser moment,
   * say); the tensor must be trainable.
   */
  public INDArray alignedView(INDArray flat, String name) {
    Slot slot = slots.get(name);
    if (slot == null || !slot.spec().trainable()) {
      throw new IllegalArgumentException(name + " is not a trainable parameter");
    }
    return view(flat, slot.offset(), slot.spec());
  }

  /** Copies of every tensor's value by name, in layout order (for saving). */
  public Map<String, INDArray> valuesByName() {
    return Collections.unmodifiableMap(valueViews);
  }
}
