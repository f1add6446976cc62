"""Model compression for notebook 09: quantization, pruning, compressed embeddings and the
measurements that judge them (size, parameters, latency).

- :mod:`~rec_course.compression.quantization`: symmetric integer quantization of a tensor
  by hand (int8, int4; per row or per tensor), quantized embedding tables and their bytes,
  and Keras's post-training quantization of a fitted recommender's copy.
- :mod:`~rec_course.compression.pruning`: magnitude pruning to a target sparsity with a
  polynomial schedule, as a Keras callback that keeps the mask through fine-tuning.
- :mod:`~rec_course.compression.embeddings`: the quotient-remainder and hashing tricks and
  mixed-dimension embeddings as Keras layers, and low-rank factorization of a trained table; ``CompressedBPR`` (in
  :mod:`~rec_course.compression.models`) trains BPR with such an item table.
- :mod:`~rec_course.compression.distillation`: ranking distillation (Tang & Wang 2018)
  of a large teacher into a small BPR student.
- :mod:`~rec_course.compression.export`: a fitted (or compressed) recommender as a
  SavedModel with a ``score`` endpoint, converted to ONNX and LiteRT, and the top-k
  lists of each from a fresh process.
- :mod:`~rec_course.compression.measure`: parameter counts, bytes on disk and median
  latency.
"""

from rec_course.compression.distillation import (DistilledBPR, rank_weights,
                                                 teacher_top_items, weighted_bpr_loss)
from rec_course.compression.embeddings import (HashEmbedding, MixedDimEmbedding, QREmbedding,
                                               low_rank, mixed_dims, qr_buckets)
from rec_course.compression.models import CompressedBPR, PrunedBPR
from rec_course.compression.export import (export_scorer, load_scorer, to_litert, to_onnx,
                                           top_k_in_fresh_process)
from rec_course.compression.measure import (disk_bytes, latency, parameter_count, saved_bytes,
                                            weight_bytes)
from rec_course.compression.pruning import (MagnitudePruning, csr_bytes, fine_tune,
                                            magnitude_mask, polynomial_sparsity, prune_and_fine_tune,
                                            pruned_bytes, sparsity)
from rec_course.compression.quantization import (dequantize, quantize_symmetric,
                                                 quantized_recommender, quantized_table,
                                                 recommender_copy, table_bytes)

__all__ = ["CompressedBPR", "DistilledBPR", "HashEmbedding", "MagnitudePruning", "MixedDimEmbedding", "PrunedBPR", "QREmbedding", "csr_bytes", "dequantize", "disk_bytes",
           "export_scorer", "fine_tune", "latency", "load_scorer", "to_litert", "to_onnx",
           "low_rank", "magnitude_mask", "mixed_dims", "parameter_count", "polynomial_sparsity",
           "prune_and_fine_tune", "pruned_bytes", "qr_buckets", "quantize_symmetric", "quantized_recommender", "quantized_table",
           "rank_weights", "recommender_copy", "saved_bytes", "sparsity", "table_bytes",
           "teacher_top_items", "top_k_in_fresh_process", "weight_bytes",
           "weighted_bpr_loss"]
