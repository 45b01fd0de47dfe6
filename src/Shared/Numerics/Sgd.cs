namespace ShardedBackprop.Numerics;

/// <summary>Plain stochastic gradient descent: theta &lt;- theta - eta * g.</summary>
public static class Sgd
{
    /// <remarks>One multiply then one subtract per parameter (never fused), the same on every node.</remarks>
    public static void Step(Span<double> theta, ReadOnlySpan<double> gradient, double learningRate)
    {
        if (theta.Length != gradient.Length)
        {
            throw new ArgumentException($"expected {theta.Length} gradient values, got {gradient.Length}", nameof(gradient));
        }

        for (var k = 0; k < theta.Length; k++)
        {
            var step = learningRate * gradient[k];
            theta[k] -= step;
        }
    }
}
