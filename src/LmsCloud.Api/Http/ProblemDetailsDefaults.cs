using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace LmsCloud.Api.Http;

/// <summary>Every error is RFC 9457 problem details; a malformed request is the client's 400, not our 500.</summary>
public static class ProblemDetailsDefaults
{
    public static int StatusCodeFor(Exception exception) => exception switch
    {
        BadHttpRequestException bad => bad.StatusCode,
        _ when IsUnstorableText(exception) => StatusCodes.Status400BadRequest,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static void Customize(ProblemDetailsContext context)
    {
        if (context.Exception is BadHttpRequestException bad)
        {
            context.ProblemDetails.Title = "Bad request";
            context.ProblemDetails.Detail = bad.InnerException?.Message is { } inner ? $"{bad.Message} {inner}" : bad.Message;
        }
        else if (context.Exception is { } e && IsUnstorableText(e))
        {
            context.ProblemDetails.Title = "Bad request";
            context.ProblemDetails.Detail = "The request holds a character the database cannot store, such as NUL (U+0000). Remove it and send the request again.";
            // A field that lacks its own check: worth fixing, but the client's error, not an incident.
            context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ProblemDetailsDefaults))
                .LogWarning("PostgreSQL refused a character of {Method} {Path} (SQLSTATE 22021): a field without its own validation",
                    context.HttpContext.Request.Method, context.HttpContext.Request.Path.Value);
        }
    }

    /// <summary>A client's error needs no error log with a stack trace: only our own 500s do.</summary>
    public static bool SuppressDiagnostics(ExceptionHandlerSuppressDiagnosticsContext context) => StatusCodeFor(context.Exception) < 500;

    /// <summary>
    /// PostgreSQL refused text from the request: NUL, which text cannot hold (SQLSTATE 22021, character_not_in_repertoire).
    /// The safety net behind the validation of each field; EF wraps it (DbUpdateException), hence the walk down.
    /// </summary>
    static bool IsUnstorableText(Exception exception)
    {
        for (var e = exception; e != null; e = e.InnerException)
            if (e is PostgresException { SqlState: PostgresErrorCodes.CharacterNotInRepertoire }) return true;
        return false;
    }
}
