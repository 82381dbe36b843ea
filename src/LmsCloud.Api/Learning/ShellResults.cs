using LmsCloud.Core.Learning.Shells;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LmsCloud.Api.Learning;

/// <summary>
/// How every learning endpoint answers a service's <see cref="ShellRefusal"/>: a validation problem (400 with errors
/// per field) when it names fields, otherwise a problem with its status (403, 404, 409, 412).
/// </summary>
public static class ShellResults
{
    public static async Task<Results<Ok<T>, ValidationProblem, ProblemHttpResult>> Run<T>(Func<Task<T>> action)
    {
        try { return TypedResults.Ok(await action()); }
        catch (ShellRefusal r) when (r.Errors != null) { return TypedResults.ValidationProblem(r.Errors, detail: r.Message, title: r.Title); }
        catch (ShellRefusal r) { return Problem(r); }
    }

    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> RunNoContent(Func<Task> action)
    {
        try { await action(); return TypedResults.NoContent(); }
        catch (ShellRefusal r) when (r.Errors != null) { return TypedResults.ValidationProblem(r.Errors, detail: r.Message, title: r.Title); }
        catch (ShellRefusal r) { return Problem(r); }
    }

    public static ProblemHttpResult Problem(ShellRefusal r) => TypedResults.Problem(statusCode: r.Status, title: r.Title, detail: r.Message);
}
