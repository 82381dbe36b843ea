using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Users;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LmsCloud.Api.Auth;

/// <summary>The antiforgery token for a page's forms.</summary>
public sealed record AntiforgeryToken(string FormFieldName, string HeaderName, string Token);

/// <summary>
/// Browser sign-in and sign-out for plain HTML forms (<c>application/x-www-form-urlencoded</c>), antiforgery on. The
/// web app's sign-in page posts here. Successes are 303 redirects; failures are RFC 9457 problems, except for a browser
/// (it accepts HTML), which goes back to the sign-in page with the message's code (<see cref="LmsCloud.Web.SignInMessages"/>).
/// </summary>
public static class AccountEndpoints
{
    /// <summary>
    /// The same for an unknown user, a wrong password, a locked, disabled or dropped account: true in every case, and
    /// it never tells whether the account exists.
    /// </summary>
    public const string SignInFailed = LmsCloud.Web.SignInMessages.Failed;

    public const string SignInPath = "/account/sign-in";

    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/account").WithTags("Account").AllowAnonymous();
        account.MapGet("/antiforgery", Antiforgery);
        // Antiforgery is validated in the handlers themselves (not by UseAntiforgery and form binding), so a missing
        // token is our clear 400 rather than a binding exception. No Accepts(...): routing would match on the content
        // type, and a JSON post would meet the 415 endpoint's sign-in challenge (a 401) instead of our 400.
        account.MapPost("/sign-in", SignInAsync)
            .RequireRateLimiting(TokenEndpoint.RateLimitPolicy) // one budget per district and address with /connect/token
            .DisableAntiforgery()
            .WithOrder(-1); // ahead of the sign-in page's endpoint (same path, any method), which serves the GET

        account.MapPost("/sign-out", SignOutAsync)
            .DisableAntiforgery();
        return app;
    }

    /// <summary>
    /// A token for the forms of a page (hidden field <c>__RequestVerificationToken</c>, or the header for htmx), and
    /// its cookie. It belongs to whoever is signed in when it is made: fetch a new one after signing in.
    /// </summary>
    static Ok<AntiforgeryToken> Antiforgery(HttpContext http, IAntiforgery antiforgery)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new AntiforgeryToken(tokens.FormFieldName, tokens.HeaderName!, tokens.RequestToken!));
    }

    static async Task<IResult> SignInAsync(HttpContext http, IAntiforgery antiforgery, PasswordSignIn passwords, LmsDbContext db,
        CancellationToken ct)
    {
        if (await ReadFormAsync(http, antiforgery, ct) is not { } form)
            return LmsCloud.Web.WebExtensions.FromBrowserForm(http) ? BackToSignIn(http, "expired", null) : FormRefused(http);
        string? Field(string name) => form[name].Count == 1 && form[name][0] is { Length: > 0 } v ? v : null;

        var errors = new Dictionary<string, string[]>();
        var userName = Field("username");
        var password = Field("password");
        var returnUrl = Field("returnUrl") ?? "/";
        if (userName == null) errors["username"] = ["Enter your user name."];
        if (password == null) errors["password"] = ["Enter your password."];
        if (!LmsCloud.Web.LocalUrls.IsLocal(returnUrl)) errors["returnUrl"] = ["returnUrl must be a path on this site, such as /courses."];
        var browser = LmsCloud.Web.WebExtensions.FromBrowserForm(http);
        if (browser && errors.Count > 0) return BackToSignIn(http, errors.ContainsKey("returnUrl") ? "failed" : "missing", null);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        if (PasswordSignIn.RefuseInput(userName!, password!) is { } refused)
            return browser ? BackToSignIn(http, "failed", returnUrl) :  TypedResults.Problem(title: "Sign-in failed", detail: refused, statusCode: StatusCodes.Status400BadRequest);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var user = await passwords.CheckAsync(userName!, password!, ct);
        await tx.CommitAsync(ct); // the outcome's audit event and, on failure, the failed-attempt count
        if (user == null)
            return browser ? BackToSignIn(http, "failed", returnUrl) : TypedResults.Problem(title: "Sign-in failed", detail: SignInFailed, statusCode: StatusCodes.Status400BadRequest);

        await BrowserSessions.SignInAsync(http, user, ct: ct);
        return SeeOther(http, returnUrl);
    }

    static async Task<IResult> SignOutAsync(HttpContext http, IAntiforgery antiforgery, LmsDbContext db, AuditLog audit, CancellationToken ct)
    {
        if (await ReadFormAsync(http, antiforgery, ct) is null) return FormRefused(http);
        await BrowserSessions.SignOutAsync(http, db, audit, ct);
        return SeeOther(http, "/"); // home: which is the sign-in page for who is not signed in
    }

    /// <summary>The posted form when it is one and carries a valid antiforgery token; null otherwise.</summary>
    static async Task<IFormCollection?> ReadFormAsync(HttpContext http, IAntiforgery antiforgery, CancellationToken ct)
    {
        if (!http.Request.HasFormContentType) return null;
        try
        {
            await antiforgery.ValidateRequestAsync(http);
            return await http.Request.ReadFormAsync(ct);
        }
        catch (AntiforgeryValidationException)
        {
            return null;
        }
        catch (InvalidDataException) // the form reader refuses NUL (%00) and forms past its limits
        {
            return null;
        }
    }

    static ProblemHttpResult FormRefused(HttpContext http) => TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest,
        title: "Form refused",
        detail: http.Request.HasFormContentType
            ? "The form has expired or did not come from this site. Reload the page and try again."
            : "Send the form as application/x-www-form-urlencoded, with its antiforgery token.");

    /// <summary>Back to the sign-in page with what to say (and where to go after); the page's form is empty again.</summary>
    public static IResult BackToSignIn(HttpContext http, string error, string? returnUrl, string? wait = null) =>
        SeeOther(http, $"{SignInPath}?error={error}"
            + (returnUrl is { Length: > 0 } && LmsCloud.Web.LocalUrls.IsLocal(returnUrl) && returnUrl != "/" ? $"&returnUrl={Uri.EscapeDataString(returnUrl)}" : "")
            + (wait != null ? $"&wait={wait}" : ""));

    /// <summary>303: the browser follows with a GET, so reloading the next page never posts the form again.</summary>
    static StatusCodeHttpResult SeeOther(HttpContext http, string location)
    {
        http.Response.Headers.Location = location;
        return TypedResults.StatusCode(StatusCodes.Status303SeeOther);
    }
}
