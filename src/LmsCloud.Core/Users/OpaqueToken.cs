using System.Buffers.Text;
using System.Security.Cryptography;

namespace LmsCloud.Core.Users;

/// <summary>Random bearer secrets (password reset tokens, client secrets): 256 bits, base64url; stored as SHA-256.</summary>
public static class OpaqueToken
{
    public static string New() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static byte[] Hash(string token) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token));
}
