using System.Security.Cryptography;
using System.Text;

namespace LmsCloud.Sis;

/// <summary>The SHA-256 a run records for its package: of the zip's bytes, or for a folder of its CSV files (names and contents, in name order).</summary>
public static class PackageHash
{
    public static string Compute(string path)
    {
        if (!Directory.Exists(path))
        {
            using var file = File.OpenRead(path);
            return Convert.ToHexString(SHA256.HashData(file)).ToLowerInvariant();
        }
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var csv in Directory.EnumerateFiles(path, "*.csv").Order(StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(Path.GetFileName(csv) + "\n"));
            hash.AppendData(File.ReadAllBytes(csv));
        }
        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }
}
