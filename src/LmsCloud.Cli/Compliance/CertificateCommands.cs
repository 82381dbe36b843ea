using LmsCloud.Core.Compliance.Certificates;
using LmsCloud.Core.Compliance.Signing;

namespace LmsCloud.Cli;

/// <summary>
/// <c>lms compliance verify-certificate FILE.json</c>: checks a deletion certificate offline against the platform's signing
/// keys (the same <c>Auth:SigningKeys</c> as the API). Exit 0 when intact; 1 with the first problem named.
/// </summary>
public static class CertificateCommands
{
    public static async Task<int> VerifyAsync(CliContext context, CommandLine command)
    {
        var path = command.RequiredWord(2, "the certificate file");
        command.NoMore(3);
        if (!File.Exists(path))
        {
            context.Error.WriteLine($"lms: {path}: no such file");
            return 1;
        }
        var problem = CertificateVerifier.Check(new PlatformSigner(context.Configuration), await File.ReadAllBytesAsync(path), out var certificate);
        if (problem != null)
        {
            context.Error.WriteLine($"lms: certificate {path} is not intact: {problem}");
            return 1;
        }
        var head = certificate.GetProperty("auditChainHead");
        context.Out.WriteLine($"certificate {certificate.GetProperty("id").GetString()} intact: {certificate.GetProperty("scope").GetProperty("kind").GetString()}, " +
            $"{certificate.GetProperty("tables").GetArrayLength()} table counts, audit chain head seq {head.GetProperty("seq").GetInt64()}");
        return 0;
    }
}
