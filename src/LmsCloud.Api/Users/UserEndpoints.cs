using System.Security.Claims;
using LmsCloud.Api.Auth;
using LmsCloud.Api.Http;
using LmsCloud.Core.Database;
using LmsCloud.Core.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Api.Users;

public sealed record UserResponse(
    Guid Id, string UserName, string? Email, string DisplayName, IReadOnlyList<string> Roles, bool Locked,
    DateTimeOffset? LockoutEnd, bool HasPassword, DateTimeOffset CreatedAt);

public sealed record PasswordResetResponse(string Token, DateTimeOffset ExpiresAt);

public sealed record ResetPasswordRequest(string? Token, string? NewPassword);

public sealed record MeResponse(string Subject, string Kind, string District, string? DisplayName, string? Email,
    IReadOnlyList<string> Roles, IReadOnlyList<string> Scopes);

/// <summary><c>/api/users</c> (district admins), <c>/api/me</c> and the password reset a user completes.</summary>
public static class UserEndpoints
{
    public static IEndpointRouteBuilder MapUserEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/me", MeAsync).WithTags("Account");
        app.MapPost("/api/account/password-reset", ResetPasswordAsync).AllowAnonymous().WithTags("Account");

        var users = app.MapGroup("/api/users").WithTags("Users").RequireAuthorization(Policies.DistrictAdmin);
        users.MapGet("/", ListAsync);
        users.MapPost("/", CreateAsync);
        users.MapGet("/{id:guid}", GetAsync);
        users.MapPatch("/{id:guid}", UpdateAsync);
        users.MapPost("/{id:guid}/password-reset", CreatePasswordResetAsync);
        return app;
    }

    static async Task<Results<Ok<MeResponse>, NotFound>> MeAsync(ClaimsPrincipal principal, LmsDbContext db, CancellationToken ct)
    {
        var subject = principal.FindFirstValue("sub")!;
        var district = principal.FindFirstValue("tid")!;
        if (principal.FindFirstValue("client_id") is { } clientId)
            return TypedResults.Ok(new MeResponse(subject, "client", district, clientId, null, [],
                principal.FindFirstValue("scope")?.Split(' ') ?? []));
        var user = await db.Users.AsNoTracking().Include(u => u.Roles).SingleOrDefaultAsync(u => u.Id == Guid.Parse(subject), ct);
        return user == null
            ? TypedResults.NotFound()
            : TypedResults.Ok(new MeResponse(subject, "user", district, user.DisplayName, user.Email, user.Roles.Select(r => r.Role).ToList(), []));
    }

    static async Task<Results<Ok<PagedList<UserResponse>>, ValidationProblem>> ListAsync(UserAdministration admin, TimeProvider clock,
        string? role, string? q, bool? locked, [AsParameters] PageRequest paging, CancellationToken ct)
    {
        paging = paging.WithDefaultSize(50);
        var errors = paging.Validate(maxPageSize: 200);
        TextFilter.Check(errors, ("q", q));
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        return TypedResults.Ok(await PagedList.CreateAsync(admin.Search(new UserSearch(q, role, locked)), paging.Page, paging.Size, u => ToResponse(u, clock), ct));
    }

    static async Task<Results<Ok<UserResponse>, NotFound>> GetAsync(Guid id, LmsDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var user = await db.Users.AsNoTracking().Include(u => u.Roles).SingleOrDefaultAsync(u => u.Id == id, ct);
        return user == null ? TypedResults.NotFound() : TypedResults.Ok(ToResponse(user, clock));
    }

    static async Task<Results<Created<UserResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        NewUser request, UserAdministration admin, TimeProvider clock, CancellationToken ct)
    {
        var outcome = await admin.CreateAsync(request, ct: ct);
        if (outcome.Errors != null) return TypedResults.ValidationProblem(outcome.Errors);
        if (outcome.Conflict != null) return Conflict(outcome.Conflict);
        return TypedResults.Created($"/api/users/{outcome.Value!.Id}", ToResponse(outcome.Value, clock));
    }

    static async Task<Results<Ok<UserResponse>, ValidationProblem, ProblemHttpResult, NotFound>> UpdateAsync(
        Guid id, UserChanges changes, UserAdministration admin, ClaimsPrincipal principal, TimeProvider clock, CancellationToken ct)
    {
        var outcome = await admin.UpdateAsync(id, changes, ActingUser(principal), ct);
        if (outcome.Errors != null) return TypedResults.ValidationProblem(outcome.Errors);
        if (outcome.Conflict != null) return Conflict(outcome.Conflict);
        if (outcome.NotFound) return TypedResults.NotFound();
        return TypedResults.Ok(ToResponse(outcome.Value!, clock));
    }

    static async Task<Results<Ok<PasswordResetResponse>, NotFound>> CreatePasswordResetAsync(
        Guid id, UserAdministration admin, ClaimsPrincipal principal, HttpContext http, CancellationToken ct)
    {
        var outcome = await admin.CreatePasswordResetAsync(id, ActingUser(principal), ct);
        if (outcome.Value is not { } reset) return TypedResults.NotFound();
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new PasswordResetResponse(reset.Token, reset.ExpiresAt));
    }

    static async Task<Results<NoContent, ValidationProblem>> ResetPasswordAsync(
        ResetPasswordRequest request, UserAdministration admin, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(request.Token) || string.IsNullOrEmpty(request.NewPassword))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["token"] = ["token and newPassword are required."] });
        var outcome = await admin.ResetPasswordAsync(request.Token, request.NewPassword, ct);
        return outcome.Errors != null ? TypedResults.ValidationProblem(outcome.Errors) : TypedResults.NoContent();
    }

    static Guid? ActingUser(ClaimsPrincipal principal) =>
        principal.FindFirstValue("client_id") == null && Guid.TryParse(principal.FindFirstValue("sub"), out var id) ? id : null;

    static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(title: "Conflict", detail: detail, statusCode: StatusCodes.Status409Conflict);

    public static UserResponse ToResponse(User u, TimeProvider clock) =>
        new(u.Id, u.UserName, u.Email, u.DisplayName, u.Roles.Select(r => r.Role).Order().ToList(), u.IsLocked(clock.GetUtcNow()),
            u.LockoutEnd, u.PasswordHash != null, u.CreatedAt);
}
