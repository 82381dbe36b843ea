using System.Text;

namespace LmsCloud.Sis.Generation;

/// <summary>
/// Minimal streaming CSV writer for generated packages: UTF-8 without BOM, "\n" after every row (including the
/// last), RFC 4180 quoting only when a field contains a comma, a quote or a line break. Checks that every row has
/// as many fields as the header, so a generator bug cannot produce a ragged file.
/// </summary>
internal sealed class CsvFileWriter : IDisposable
{
    const int ProgressEvery = 100_000;
    static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    readonly StreamWriter writer;
    readonly string fileName;
    readonly int columns;
    readonly IProgress<(string File, int Rows)>? progress;

    public int Rows { get; private set; }

    public CsvFileWriter(string directory, string fileName, IProgress<(string File, int Rows)>? progress, params string[] header)
    {
        this.fileName = fileName;
        this.progress = progress;
        columns = header.Length;
        writer = new StreamWriter(Path.Combine(directory, fileName), append: false, Utf8NoBom, bufferSize: 1 << 16) { NewLine = "\n" };
        WriteFields(header);
    }

    /// <summary>Writes one data row; null and empty are both written as an empty field.</summary>
    public void Row(params ReadOnlySpan<string?> fields)
    {
        if (fields.Length != columns)
            throw new InvalidOperationException($"{fileName}: row {Rows + 1} has {fields.Length} fields, header has {columns}");
        WriteFields(fields);
        Rows++;
        if (Rows % ProgressEvery == 0) progress?.Report((fileName, Rows));
    }

    void WriteFields(ReadOnlySpan<string?> fields)
    {
        for (var i = 0; i < fields.Length; i++)
        {
            if (i > 0) writer.Write(',');
            var value = fields[i];
            if (string.IsNullOrEmpty(value)) continue;
            if (value.AsSpan().IndexOfAny(",\"\r\n") < 0) { writer.Write(value); continue; }
            writer.Write('"');
            writer.Write(value.Replace("\"", "\"\""));
            writer.Write('"');
        }
        writer.Write('\n');
    }

    public void Dispose()
    {
        writer.Dispose();
        progress?.Report((fileName, Rows));
    }
}
