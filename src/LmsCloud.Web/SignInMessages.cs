namespace LmsCloud.Web;

/// <summary>What the sign-in page says after a failed attempt: true, and never whether the account exists.</summary>
public static class SignInMessages
{
    /// <summary>The same for an unknown user, a wrong password, a locked, disabled or dropped account.</summary>
    public const string Failed = "The user name or password is incorrect, or the account cannot sign in now.";

    public const string Missing = "Enter your email or user name and your password.";

    public const string Expired = "The sign-in form expired. Please try again.";

    /// <summary>Counted per district and address, not per account: it says nothing about the account.</summary>
    public static string TooMany(string? seconds) =>
        $"Too many sign-in attempts from this network. Wait {(int.TryParse(seconds, out var s) ? s : 60)} seconds, then try again.";

    /// <summary>After the profile's password change, which ends every session of the person, this one too.</summary>
    public const string PasswordChanged = "Your password was changed; sign in with your new password.";

    /// <summary>The good news the sign-in page may open with (<c>?notice=</c>), not an error.</summary>
    public static string? NoticeFor(string? notice) => notice == "password-changed" ? PasswordChanged : null;

    /// <summary>The query string values <c>POST /account/sign-in</c> redirects back with.</summary>
    public static string? For(string? error, string? wait) => error switch
    {
        "failed" => Failed,
        "missing" => Missing,
        "expired" => Expired,
        "rate" => TooMany(wait),
        _ => null,
    };
}
