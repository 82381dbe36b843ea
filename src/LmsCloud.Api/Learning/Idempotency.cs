using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Learning.Submissions;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace LmsCloud.Api.Learning;

/// <summary>
/// The <c>Idempotency-Key</c> header of a change (submit, grade; docs/submissions.md, "Idempotency"): without it the
/// change just runs; with it (1 to 200 characters, per signed-in person) the first successful response is stored with
/// the change, in its transaction (<see cref="IdempotencyKeys"/>), and a retry with the same key and the same request
/// gets that response again (header <c>Idempotent-Replayed: true</c>) instead of a second change. The same key with a
/// different request is 422; while the first is still running, 409. Refusals are not stored.
/// </summary>
public static class Idempotency
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";

    /// <summary>SHA-256 (hex) of the request's parts: method, path and a canonical form of the body.</summary>
    public static string Hash(HttpRequest request, params string?[] body) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', [request.Method, request.Path.Value, .. body])))).ToLowerInvariant();

    /// <summary>Runs the change and answers <paramref name="status"/> with its result as JSON, its ETag, and Location when given.</summary>
    public static async Task<IResult> RunAsync<T>(HttpContext http, string requestHash, int status, Func<Task<T>> change, Func<T, string?>? etag = null,
        string? location = null)
    {
        var json = http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var ct = http.RequestAborted;
        var key = http.Request.Headers[Header].ToString();
        if (key.Length == 0)
        {
            try { return Respond(http, json, status, await change(), etag, location); }
            catch (ShellRefusal r) { return Refused(r); }
        }
        if (key.Length > IdempotencyKeys.MaxKeyLength)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [Header] = [$"An {Header} is 1 to {IdempotencyKeys.MaxKeyLength} characters."] });
        if (ShellViewer.From(http.User).PersonId is not { } person)
            return TypedResults.Problem(statusCode: 400, title: "Invalid request", detail: $"An {Header} belongs to a signed-in person; integration clients cannot send one.");

        var keys = http.RequestServices.GetRequiredService<IdempotencyKeys>();
        var start = await keys.StartAsync(person, key, requestHash, ct);
        if (start.InFlight)
            return TypedResults.Problem(statusCode: 409, title: "Request in progress",
                detail: $"A request with this {Header} is still being processed. Retry it in a moment to get its response.");
        if (start.Mismatch)
            return TypedResults.Problem(statusCode: 422, title: "Idempotency key reused",
                detail: $"This {Header} was already used for a different request. Use a new key for a new request.");
        if (start.ReplayStatus is { } replayStatus)
        {
            using var stored = JsonDocument.Parse(start.ReplayResponse!);
            if (stored.RootElement.TryGetProperty("etag", out var tag) && tag.GetString() is { } storedTag) http.Response.Headers.ETag = storedTag;
            if (stored.RootElement.TryGetProperty("location", out var loc) && loc.GetString() is { } storedLocation) http.Response.Headers.Location = storedLocation;
            http.Response.Headers[ReplayedHeader] = "true";
            return Results.Text(stored.RootElement.GetProperty("body").GetRawText(), "application/json", Encoding.UTF8, replayStatus);
        }

        await using var tx = start.Transaction!;
        try
        {
            var result = await change();
            var response = JsonSerializer.Serialize(new { etag = etag?.Invoke(result), location, body = result }, json);
            await keys.CompleteAsync(tx, person, key, requestHash, status, response, ct);
            return Respond(http, json, status, result, etag, location);
        }
        catch (ShellRefusal r) { return Refused(r); } // the transaction rolls back: no change, no key
    }

    static IResult Respond<T>(HttpContext http, JsonSerializerOptions json, int status, T result, Func<T, string?>? etag, string? location)
    {
        if (etag?.Invoke(result) is { } tag) http.Response.Headers.ETag = tag;
        if (location != null) http.Response.Headers.Location = location;
        return TypedResults.Json(result, json, statusCode: status);
    }

    public static IResult Refused(ShellRefusal r) => r.Errors != null
        ? TypedResults.ValidationProblem(r.Errors, detail: r.Message, title: r.Title)
        : ShellResults.Problem(r);
}
