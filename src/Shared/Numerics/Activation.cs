namespace ShardedBackprop.Numerics;

/// <summary>The activation of the hidden layers; the output layer is always linear.</summary>
public enum Activation
{
    Linear,
    Relu,
    Tanh,
    Sigmoid,
}

public static class ActivationFunctions
{
    /// <summary>Parses the command-line and model-file spelling (linear, relu, tanh, sigmoid).</summary>
    public static bool TryParse(string text, out Activation activation)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "linear": activation = Activation.Linear; return true;
            case "relu": activation = Activation.Relu; return true;
            case "tanh": activation = Activation.Tanh; return true;
            case "sigmoid": activation = Activation.Sigmoid; return true;
            default: activation = Activation.Linear; return false;
        }
    }

    public static string Name(this Activation activation) => activation switch
    {
        Activation.Linear => "linear",
        Activation.Relu => "relu",
        Activation.Tanh => "tanh",
        Activation.Sigmoid => "sigmoid",
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    public static double Apply(this Activation activation, double z) => activation switch
    {
        Activation.Linear => z,
        Activation.Relu => z > 0 ? z : 0.0,
        Activation.Tanh => Math.Tanh(z),
        Activation.Sigmoid => 1.0 / (1.0 + Math.Exp(-z)),
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    /// <summary>d a / d z, written in terms of the pre-activation z and the activation a = f(z).</summary>
    public static double Derivative(this Activation activation, double z, double a) => activation switch
    {
        Activation.Linear => 1.0,
        Activation.Relu => z > 0 ? 1.0 : 0.0,
        Activation.Tanh => 1.0 - (a * a),
        Activation.Sigmoid => a * (1.0 - a),
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };
}
