using System.Security.Claims;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using LmsCloud.Api.Tenancy;
using LmsCloud.Core.Integrations;
using LmsCloud.Core.Learning.Passback;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using static LmsCloud.Api.Learning.ShellResults;

namespace LmsCloud.Api.Learning;

/// <summary>The OneRoster status envelope of a refused request (imsx_StatusInfo).</summary>
public sealed record ImsxStatusInfo(
    [property: JsonPropertyName("imsx_codeMajor")] string CodeMajor,
    [property: JsonPropertyName("imsx_severity")] string Severity,
    [property: JsonPropertyName("imsx_description")] string Description,
    [property: JsonPropertyName("imsx_CodeMinor")] ImsxCodeMinor CodeMinor);

public sealed record ImsxCodeMinor([property: JsonPropertyName("imsx_codeMinorField")] IReadOnlyList<ImsxCodeMinorField> Fields);

public sealed record ImsxCodeMinorField(
    [property: JsonPropertyName("imsx_codeMinorFieldName")] string Name,
    [property: JsonPropertyName("imsx_codeMinorFieldValue")] string Value);

/// <summary>
/// The OneRoster 1.2 Gradebook provider, read only (docs/passback.md): categories, lineItems, results and scoreScales,
/// district-wide and per class, for the district's SIS. Every request needs a bearer token of this district (another
/// district's is refused, 401) holding the gradebook.readonly scope (403 otherwise). Refusals use the specification's
/// status envelope. Also the teacher-facing passback endpoints under /api/shells/{id}/passback…: the CSV package with its
/// state and the pre-flight warnings (problem details, like the rest of our API).
/// </summary>
public static class OneRosterGradebookEndpoints
{
    public static IEndpointRouteBuilder MapOneRosterGradebookEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup(GradebookReader.GradebookPath).WithTags("OneRoster Gradebook").RequireAuthorization()
            .AddEndpointFilter(async (context, next) => HasScope(context.HttpContext.User)
                ? await next(context)
                : Refused(new GradebookRefusal(403, "forbidden", $"This token does not hold the scope {Scopes.GradebookReadonly}.")));

        foreach (var c in new[] { GradebookCollections.Categories, GradebookCollections.LineItems, GradebookCollections.Results, GradebookCollections.ScoreScales })
        {
            g.MapGet($"/{c.Plural}", (HttpContext http, GradebookReader reader, CancellationToken ct) =>
                ListAsync(http, reader, c, _ => Task.FromResult(new GradebookScope()), ct));
            g.MapGet($"/{c.Plural}/{{sourcedId}}", (string sourcedId, HttpContext http, GradebookReader reader, CancellationToken ct) =>
                GetAsync(http, reader, c, sourcedId, ct));
            if (c != GradebookCollections.Results)
                g.MapGet($"/classes/{{classSourcedId}}/{c.Plural}", (string classSourcedId, HttpContext http, GradebookReader reader, CancellationToken ct) =>
                    ListAsync(http, reader, c, async ct2 => new GradebookScope(ClassId: await reader.ClassAsync(classSourcedId, ct2)), ct));
        }
        g.MapGet("/classes/{classSourcedId}/results", (string classSourcedId, HttpContext http, GradebookReader reader, CancellationToken ct) =>
            ListAsync(http, reader, GradebookCollections.Results, async ct2 => new GradebookScope(ClassId: await reader.ClassAsync(classSourcedId, ct2)), ct));
        g.MapGet("/classes/{classSourcedId}/lineItems/{lineItemSourcedId}/results",
            (string classSourcedId, string lineItemSourcedId, HttpContext http, GradebookReader reader, CancellationToken ct) =>
                ListAsync(http, reader, GradebookCollections.Results, async ct2 =>
                {
                    var scope = new GradebookScope(ClassId: await reader.ClassAsync(classSourcedId, ct2));
                    await reader.GetAsync(GradebookCollections.LineItems, lineItemSourcedId, scope, ["sourcedId"], "", ct2); // 404 when not this class's
                    return scope with { Equal = [("lineItem.sourcedId", lineItemSourcedId)] };
                }, ct));
        g.MapGet("/classes/{classSourcedId}/students/{studentSourcedId}/results",
            (string classSourcedId, string studentSourcedId, HttpContext http, GradebookReader reader, CancellationToken ct) =>
                ListAsync(http, reader, GradebookCollections.Results, async ct2 =>
                {
                    var classId = await reader.ClassAsync(classSourcedId, ct2);
                    if (!await reader.StudentExistsAsync(studentSourcedId, ct2)) throw GradebookRefusal.NotFound("Student");
                    return new GradebookScope(ClassId: classId, Equal: [("student.sourcedId", studentSourcedId)]);
                }, ct));

        var shells = app.MapGroup("/api/shells/{shellId:guid}").WithTags("Grade passback").RequireAuthorization();
        shells.MapGet("/passback.zip", ExportAsync);
        shells.MapGet("/passback/warnings", (Guid shellId, PassbackWarnings warnings, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => warnings.ListAsync(ShellViewer.From(p), shellId, ct)));
        return app;
    }

    /// <summary>The token's scopes (OpenIddict gives them as one space-separated claim or one claim each).</summary>
    static bool HasScope(ClaimsPrincipal user) =>
        user.FindAll("scope").SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Contains(Scopes.GradebookReadonly);

    static async Task<Results<Ok<JsonObject>, JsonHttpResult<ImsxStatusInfo>>> ListAsync(HttpContext http, GradebookReader reader, Collection collection,
        Func<CancellationToken, Task<GradebookScope>> scopeOf, CancellationToken ct)
    {
        try
        {
            var q = http.Request.Query;
            var query = GradebookQuery.Parse(q["limit"], q["offset"], q["sort"], q["orderBy"], q["filter"], q["fields"]);
            var scope = await scopeOf(ct);
            var page = await reader.ListAsync(collection, query, scope, BaseUrl(http), ct);
            http.Response.Headers["X-Total-Count"] = page.Total.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (Links(http, query, page.Total) is { Length: > 0 } links) http.Response.Headers.Link = links;
            return TypedResults.Ok(new JsonObject { [collection.Plural] = new JsonArray([.. page.Items]) });
        }
        catch (GradebookRefusal r) { return Refused(r); }
    }

    static async Task<Results<Ok<JsonObject>, JsonHttpResult<ImsxStatusInfo>>> GetAsync(HttpContext http, GradebookReader reader, Collection collection,
        string sourcedId, CancellationToken ct)
    {
        try
        {
            var fields = GradebookQuery.Parse(null, null, null, null, null, http.Request.Query["fields"]).Fields;
            return TypedResults.Ok(new JsonObject { [collection.Singular] = await reader.GetAsync(collection, sourcedId, new GradebookScope(), fields, BaseUrl(http), ct) });
        }
        catch (GradebookRefusal r) { return Refused(r); }
    }

    static async Task<Results<FileContentHttpResult, ValidationProblem, ProblemHttpResult>> ExportAsync(Guid shellId, bool? changedOnly,
        PassbackExport export, ClaimsPrincipal p, CancellationToken ct)
    {
        try
        {
            var package = await export.ExportAsync(ShellViewer.From(p), shellId, changedOnly ?? false, ct);
            return TypedResults.File(package.Zip, "application/zip", $"passback-{shellId}{(changedOnly == true ? "-changes" : "")}.zip");
        }
        catch (ShellRefusal r) { return Problem(r); }
    }

    static JsonHttpResult<ImsxStatusInfo> Refused(GradebookRefusal r) => TypedResults.Json(
        new ImsxStatusInfo("failure", "error", r.Message, new ImsxCodeMinor([new ImsxCodeMinorField("TargetEndSystem", r.CodeMinor)])),
        statusCode: r.Status);

    /// <summary>The district's public URL (configuration, never the request's scheme), without the trailing slash.</summary>
    static string BaseUrl(HttpContext http)
    {
        var slug = http.RequestServices.GetRequiredService<IMultiTenantContextAccessor<District>>().MultiTenantContext.TenantInfo!.Slug;
        return http.RequestServices.GetRequiredService<IOptions<TenancyOptions>>().Value.DistrictUrl(slug).ToString().TrimEnd('/');
    }

    /// <summary>RFC 8288 links to the first, previous, next and last pages, keeping the other query parameters.</summary>
    static string Links(HttpContext http, GradebookQuery query, long total)
    {
        var path = BaseUrl(http) + http.Request.Path;
        var kept = http.Request.Query.Where(kv => kv.Key is not ("limit" or "offset"))
            .SelectMany(kv => kv.Value.Select(v => $"{Uri.EscapeDataString(kv.Key)}={Uri.EscapeDataString(v ?? "")}")).ToList();
        string Url(long offset) => $"<{path}?{string.Join('&', kept.Append($"limit={query.Limit}").Append($"offset={offset}"))}>";
        var last = total == 0 ? 0 : (total - 1) / query.Limit * query.Limit;
        var links = new List<string> { $"{Url(0)}; rel=\"first\"", $"{Url(last)}; rel=\"last\"" };
        if (query.Offset + query.Limit < total) links.Add($"{Url(query.Offset + query.Limit)}; rel=\"next\"");
        if (query.Offset > 0) links.Add($"{Url(Math.Max(query.Offset - query.Limit, 0))}; rel=\"prev\"");
        return string.Join(", ", links);
    }
}
