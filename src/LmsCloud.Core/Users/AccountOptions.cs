namespace LmsCloud.Core.Users;

/// <summary>Account rules, from configuration section <c>Auth</c> (the host's token settings live there too).</summary>
public sealed class AccountOptions
{
    public TimeSpan PasswordResetLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Failed passwords before an account is locked, and for how long.</summary>
    public int MaxFailedAccessAttempts { get; set; } = 5;
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);
}
