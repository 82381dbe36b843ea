using LmsCloud.Api.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace LmsCloud.Api.Http;

public sealed record HealthResponse(string Status, string Database);

/// <summary><c>GET /health</c>: answers on any host, checks that the database answers.</summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", CheckAsync).WithTags("Health").ExcludeFromMultiTenantResolution().AllowAnonymous();
        return app;
    }

    static async Task<Results<Ok<HealthResponse>, ProblemHttpResult>> CheckAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            await using var cmd = db.CreateCommand("select 1");
            await cmd.ExecuteScalarAsync(timeout.Token);
            return TypedResults.Ok(new HealthResponse("healthy", "ok"));
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return TypedResults.Problem(title: "Unhealthy", detail: "The database does not answer.",
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}
