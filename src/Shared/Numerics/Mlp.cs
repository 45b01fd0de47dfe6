namespace ShardedBackprop.Numerics;

/// <summary>
/// A multi-layer perceptron over a flat parameter buffer (layout: <see cref="NetworkShape"/>):
/// hidden layers use one activation, the output layer is linear. Loss: sum of squared errors.
/// </summary>
/// <remarks>
/// Every sum here is a plain left-to-right loop over scalars: no SIMD vectors and no fused
/// multiply-add, so a row's values are the same bits on every node that runs this code.
/// Per-row gradient terms are then summed exactly (<see cref="GradientSum"/>), which makes the
/// batch gradient independent of how the batch's rows are split among workers.
/// </remarks>
public sealed class Mlp
{
    public Mlp(NetworkShape shape, Activation hiddenActivation)
    {
        Shape = shape;
        HiddenActivation = hiddenActivation;
    }

    public NetworkShape Shape { get; }

    public Activation HiddenActivation { get; }

    public int ParameterCount => Shape.ParameterCount;

    private Activation ActivationOf(int layer) => layer == Shape.LayerCount ? Activation.Linear : HiddenActivation;

    /// <summary>Scratch buffers for one row: pre-activations, activations and deltas of every layer.</summary>
    public sealed class Workspace
    {
        public Workspace(NetworkShape shape)
        {
            var sizes = shape.LayerSizes;
            PreActivations = [.. sizes.Select(s => new double[s])];
            Activations = [.. sizes.Select(s => new double[s])];
            Deltas = [.. sizes.Select(s => new double[s])];
            RowGradient = new double[shape.ParameterCount];
            SquaredErrors = new double[shape.Outputs];
        }

        /// <summary>z of layer l (index 0 unused).</summary>
        public double[][] PreActivations { get; }

        /// <summary>a of layer l; index 0 holds the inputs, the last the outputs yhat.</summary>
        public double[][] Activations { get; }

        /// <summary>dL/dz of layer l for the current row.</summary>
        public double[][] Deltas { get; }

        /// <summary>dL/dtheta of the current row, in buffer order.</summary>
        public double[] RowGradient { get; }

        /// <summary>(yhat_o - y_o)^2 of the current row, per output.</summary>
        public double[] SquaredErrors { get; }

        public ReadOnlySpan<double> Outputs => Activations[^1];
    }

    public Workspace CreateWorkspace() => new(Shape);

    /// <summary>Forward pass of one row; the outputs end in <see cref="Workspace.Outputs"/>.</summary>
    public void Forward(ReadOnlySpan<double> theta, ReadOnlySpan<double> x, Workspace ws)
    {
        x.CopyTo(ws.Activations[0]);
        for (var l = 1; l <= Shape.LayerCount; l++)
        {
            LinearForward(theta, l, ws.Activations[l - 1], ws.PreActivations[l]);
            var activation = ActivationOf(l);
            var z = ws.PreActivations[l];
            var a = ws.Activations[l];
            for (var j = 0; j < z.Length; j++)
            {
                a[j] = activation.Apply(z[j]);
            }
        }
    }

    /// <summary>z_j = (sum_i w_ji * x_i) + b_j, summed in input order and the bias last, as SEED.md writes O11.</summary>
    private void LinearForward(ReadOnlySpan<double> theta, int layer, ReadOnlySpan<double> input, Span<double> z)
    {
        var fanIn = input.Length;
        var row = theta.Slice(Shape.LayerOffset(layer), z.Length * (fanIn + 1));
        for (var j = 0; j < z.Length; j++)
        {
            var weights = row.Slice(j * (fanIn + 1), fanIn + 1);
            var sum = weights[0] * input[0];
            for (var i = 1; i < fanIn; i++)
            {
                sum += weights[i] * input[i];
            }

            z[j] = sum + weights[fanIn];
        }
    }

    /// <summary>
    /// Backward pass of the row last given to <see cref="Forward"/>, with targets <paramref name="y"/>:
    /// fills <see cref="Workspace.RowGradient"/> with this row's dL_i/dtheta, where
    /// L_i = sum_o (yhat_o - y_o)^2, and <see cref="Workspace.SquaredErrors"/>.
    /// </summary>
    public void Backward(ReadOnlySpan<double> theta, ReadOnlySpan<double> y, Workspace ws)
    {
        var last = Shape.LayerCount;
        var yhat = ws.Activations[last];
        var outputDelta = ws.Deltas[last];
        for (var o = 0; o < yhat.Length; o++)
        {
            var error = yhat[o] - y[o];
            ws.SquaredErrors[o] = error * error;
            outputDelta[o] = 2.0 * error; // dL/dyhat = 2 (yhat - y); the output layer is linear
        }

        for (var l = last; l >= 1; l--)
        {
            LinearBackward(theta, l, ws.Activations[l - 1], ws.Deltas[l], ws.RowGradient);
            if (l > 1)
            {
                PropagateDelta(theta, l, ws.Deltas[l], ws.Deltas[l - 1]);
                var activation = ActivationOf(l - 1);
                var z = ws.PreActivations[l - 1];
                var a = ws.Activations[l - 1];
                var delta = ws.Deltas[l - 1];
                for (var i = 0; i < delta.Length; i++)
                {
                    delta[i] *= activation.Derivative(z[i], a[i]);
                }
            }
        }
    }

    /// <summary>dL/dw_ji = delta_j * a_i and dL/db_j = delta_j for one layer.</summary>
    private void LinearBackward(ReadOnlySpan<double> theta, int layer, ReadOnlySpan<double> input, ReadOnlySpan<double> delta, Span<double> gradient)
    {
        _ = theta;
        var fanIn = input.Length;
        var block = gradient.Slice(Shape.LayerOffset(layer), delta.Length * (fanIn + 1));
        for (var j = 0; j < delta.Length; j++)
        {
            var g = block.Slice(j * (fanIn + 1), fanIn + 1);
            for (var i = 0; i < fanIn; i++)
            {
                g[i] = delta[j] * input[i];
            }

            g[fanIn] = delta[j];
        }
    }

    /// <summary>dL/da_i of the layer below = sum_j w_ji * delta_j, summed in neuron order.</summary>
    private void PropagateDelta(ReadOnlySpan<double> theta, int layer, ReadOnlySpan<double> delta, Span<double> below)
    {
        var fanIn = below.Length;
        var block = theta.Slice(Shape.LayerOffset(layer), delta.Length * (fanIn + 1));
        for (var i = 0; i < fanIn; i++)
        {
            var sum = block[i] * delta[0];
            for (var j = 1; j < delta.Length; j++)
            {
                sum += block[(j * (fanIn + 1)) + i] * delta[j];
            }

            below[i] = sum;
        }
    }

    /// <summary>
    /// Adds the gradient and squared errors of a block of rows to <paramref name="sum"/>.
    /// <paramref name="features"/> is [rows, inputs] and <paramref name="targets"/> [rows, outputs], row-major.
    /// This is the whole of a worker's computation, and the reference trainer's.
    /// </summary>
    public void AccumulateRows(ReadOnlySpan<double> theta, ReadOnlySpan<double> features, ReadOnlySpan<double> targets, GradientSum sum, Workspace ws)
    {
        var inputs = Shape.Inputs;
        var outputs = Shape.Outputs;
        var rows = features.Length / inputs;
        if (features.Length != rows * inputs || targets.Length != rows * outputs)
        {
            throw new ArgumentException($"expected [{rows},{inputs}] features and [{rows},{outputs}] targets, got {features.Length} and {targets.Length} values");
        }

        for (var r = 0; r < rows; r++)
        {
            Forward(theta, features.Slice(r * inputs, inputs), ws);
            Backward(theta, targets.Slice(r * outputs, outputs), ws);
            sum.AddRow(ws.RowGradient, ws.SquaredErrors);
        }
    }

    /// <summary>Predictions for [rows, inputs] features into [rows, outputs].</summary>
    public void Predict(ReadOnlySpan<double> theta, ReadOnlySpan<double> features, Span<double> predictions)
    {
        var ws = CreateWorkspace();
        var rows = features.Length / Shape.Inputs;
        for (var r = 0; r < rows; r++)
        {
            Forward(theta, features.Slice(r * Shape.Inputs, Shape.Inputs), ws);
            ws.Outputs.CopyTo(predictions.Slice(r * Shape.Outputs, Shape.Outputs));
        }
    }
}
