using LmsCloud.Core.Database;

namespace LmsCloud.Core.Users;

/// <summary>A one-time password reset token (table <c>password_reset_tokens</c>); only its hash is stored.</summary>
public sealed class PasswordResetToken : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid UserId { get; set; }
    public byte[] TokenHash { get; set; } = [];
    public DateTimeOffset CreatedAt { get; set; }
    public Guid? CreatedBy { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? UsedAt { get; set; }
}
