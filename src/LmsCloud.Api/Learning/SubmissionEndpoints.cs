using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using LmsCloud.Api.Auth;
using LmsCloud.Api.Http;
using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Grades;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Learning.Submissions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using FromHeaderAttribute = Microsoft.AspNetCore.Mvc.FromHeaderAttribute;
using AsParametersAttribute = Microsoft.AspNetCore.Http.AsParametersAttribute;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using static LmsCloud.Api.Learning.ShellResults;

namespace LmsCloud.Api.Learning;

public sealed record GradeHistoryResponse(Guid Id, DateTimeOffset ChangedAt, Guid? AssignmentId, string? AssignmentTitle, Guid? StudentId,
    string? StudentName, string Kind, JsonElement? Before, JsonElement? After, Guid? GraderId, string? GraderName, string Channel, string? Reason);

/// <summary>
/// Submissions, grades, posting and the grade history over HTTP (docs/submissions.md). Submitting and grading accept
/// <c>Idempotency-Key</c> (<see cref="Idempotency"/>); a submission's ETag is its row version, and grading needs it in
/// If-Match once the submission exists (428 without, 412 when stale). Refusals are RFC 9457 problems.
/// </summary>
public static class SubmissionEndpoints
{
    public static IEndpointRouteBuilder MapSubmissionEndpoints(this IEndpointRouteBuilder app)
    {
        var assignments = app.MapGroup("/api/assignments/{id:guid}").WithTags("Submissions").RequireAuthorization();
        assignments.MapPost("/submissions", SubmitAsync)
            .Accepts<SubmitRequest>("application/json", "multipart/form-data").DisableAntiforgery()
            .Produces<SubmissionView>(StatusCodes.Status201Created).ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithSummary("Hand in an attempt (text, link or file); Idempotency-Key accepted");
        assignments.MapGet("/submissions/mine", (Guid id, SubmissionReading reading, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => reading.MineAsync(ShellViewer.From(p), id, ct))).WithSummary("The caller's own submission with its attempts");
        assignments.MapGet("/submissions", (Guid id, SubmissionReading reading, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => reading.ListAsync(ShellViewer.From(p), id, ct))).WithSummary("Every student's submission (teachers), unsubmitted ones included");
        assignments.MapGet("/submissions/{studentId:guid}", OneAsync).WithSummary("One student's submission with attempts and its ETag");
        assignments.MapPut("/submissions/{studentId:guid}/grade", GradeAsync)
            .Produces<SubmissionView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status428PreconditionRequired)
            .WithSummary("Grade: score, excused, late/missing status; If-Match and Idempotency-Key");
        assignments.MapPost("/posting", (Guid id, PostingRequest body, Grading grading, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => grading.PostAsync(ShellViewer.From(p), id, body, ChannelOf(p), ct))).WithSummary("Post (show) or hide the assignment's grades");

        var shells = app.MapGroup("/api/shells/{shellId:guid}").WithTags("Submissions").RequireAuthorization();
        shells.MapGet("/grade-history", HistoryAsync)
            .Produces<PagedList<GradeHistoryResponse>>().Produces(StatusCodes.Status200OK, contentType: "text/csv")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Grade changes, newest first, filtered and paged; ?format=csv (or Accept: text/csv) for all of them as CSV");
        return app;
    }

    /// <summary>'web' for a browser session (cookie), 'api' for a bearer token.</summary>
    static GradeChannel ChannelOf(ClaimsPrincipal p) => p.Identity?.AuthenticationType == BrowserSessions.SchemeName ? GradeChannel.Web : GradeChannel.Api;

    static async Task<IResult> SubmitAsync(Guid id, HttpContext http, Submitting submitting, IOptions<JsonOptions> json, ClaimsPrincipal p,
        CancellationToken ct)
    {
        var request = http.Request;
        SubmitRequest body;
        IFormFile? file = null;
        string hash;
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(ct);
            file = form.Files["file"];
            body = new SubmitRequest(form["kind"].FirstOrDefault(), form["body"].FirstOrDefault(), form["url"].FirstOrDefault());
            string? fileHash = null;
            if (file != null)
                await using (var content = file.OpenReadStream())
                    fileHash = Convert.ToHexString(await SHA256.HashDataAsync(content, ct));
            hash = Idempotency.Hash(request, body.Kind, body.Body, body.Url, file?.FileName, fileHash);
        }
        else
        {
            try { body = await request.ReadFromJsonAsync<SubmitRequest>(json.Value.SerializerOptions, ct) ?? new SubmitRequest(null, null, null); }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                return TypedResults.Problem(statusCode: 400, title: "Bad request", detail: "Send JSON {kind, body | url}, or multipart with kind=file and the file.");
            }
            hash = Idempotency.Hash(request, JsonSerializer.Serialize(body, json.Value.SerializerOptions));
        }
        return await Idempotency.RunAsync(http, hash, StatusCodes.Status201Created, async () =>
        {
            await using var content = file?.OpenReadStream();
            var upload = file != null ? new FileUpload(file.FileName, content!) : null;
            return await submitting.SubmitAsync(ShellViewer.From(p), id, body, upload, ct);
        }, v => v.ETag, $"/api/assignments/{id}/submissions/mine");
    }

    static async Task<IResult> OneAsync(Guid id, Guid studentId, HttpContext http, SubmissionReading reading, ClaimsPrincipal p, CancellationToken ct)
    {
        try
        {
            var view = await reading.OneAsync(ShellViewer.From(p), id, studentId, ct);
            http.Response.Headers.ETag = view.ETag;
            return TypedResults.Ok(view);
        }
        catch (ShellRefusal r) { return Idempotency.Refused(r); }
    }

    static Task<IResult> GradeAsync(Guid id, Guid studentId, GradeRequest body, [FromHeader(Name = "If-Match")] string? ifMatch, HttpContext http,
        Grading grading, IOptions<JsonOptions> json, ClaimsPrincipal p, CancellationToken ct) =>
        Idempotency.RunAsync(http, Idempotency.Hash(http.Request, JsonSerializer.Serialize(body, json.Value.SerializerOptions)), StatusCodes.Status200OK,
            () => grading.GradeAsync(ShellViewer.From(p), id, studentId, body, ifMatch, ChannelOf(p), ct), v => v.ETag);

    static async Task<IResult> HistoryAsync(Guid shellId, Guid? studentId, Guid? assignmentId, Guid? graderId, Guid? classId, DateTimeOffset? from,
        DateTimeOffset? to, string? format, [AsParameters] PageRequest paging, HttpRequest request, GradeHistory history, ClaimsPrincipal p,
        CancellationToken ct)
    {
        var errors = paging.Validate(maxPageSize: 500);
        if (format is not (null or "json" or "csv")) errors["format"] = ["format is json or csv."];
        if (from > to) errors["from"] = ["from must not be after to."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        IQueryable<GradeHistoryEntry> query;
        try { query = await history.QueryAsync(ShellViewer.From(p), shellId, new GradeHistoryFilter(studentId, assignmentId, graderId, classId, from, to), ct); }
        catch (ShellRefusal r) { return Idempotency.Refused(r); }
        var csv = format == "csv" || format == null && request.Headers.Accept.Any(a => a?.Contains("text/csv", StringComparison.OrdinalIgnoreCase) == true);
        if (csv)
            return TypedResults.Stream(body => GradeHistoryCsv.WriteAsync(body, query.AsAsyncEnumerable(), ct), "text/csv; charset=utf-8",
                $"grade-history-{shellId}.csv");
        return TypedResults.Ok(await PagedList.CreateAsync(query, paging.Page, paging.Size, ToResponse, ct));
    }

    static GradeHistoryResponse ToResponse(GradeHistoryEntry e) => new(e.Id, e.ChangedAt, e.AssignmentId, e.AssignmentTitle, e.StudentId, e.StudentName,
        e.Kind, Parse(e.Before), Parse(e.After), e.GraderId, e.GraderName, e.Channel, e.Reason);

    static JsonElement? Parse(string? json) => json == null ? null : JsonDocument.Parse(json).RootElement.Clone();
}
